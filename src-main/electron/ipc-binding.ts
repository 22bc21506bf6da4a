import { ipcMain, type WebContents } from 'electron';
import type { IpcReply } from '../../src-shared/ipc/ipc-contract';
import type { IpcRouter } from '../core/ipc/ipc-router';
import { isTrustedSender } from './window-options';

/**
 * The Electron transport of the one IPC router: every call's sender frame is checked before the
 * router validates the request; events go to the app's windows only.
 */
export function bindIpc(router: IpcRouter, windows: () => WebContents[]): () => void {
  ipcMain.handle('fieldline:invoke', async (event, channel: unknown, request: unknown): Promise<IpcReply> => {
    if (!isTrustedSender(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'PERMISSION_DENIED', message: 'IPC is only for the Fieldline window' } };
    }
    return router.handle(typeof channel === 'string' ? channel : '', request);
  });
  const unsubscribe = router.onEvent((event, payload) => {
    for (const contents of windows()) if (!contents.isDestroyed()) contents.send('fieldline:event', event, payload);
  });
  return () => {
    ipcMain.removeHandler('fieldline:invoke');
    unsubscribe();
  };
}
