/**
 * The preload: the renderer's only door. It exposes window.fieldline — invoke a contract channel,
 * listen to a contract event — and nothing else: no ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcReplySchema } from '../../src-shared/ipc/ipc-contract';

contextBridge.exposeInMainWorld('fieldline', {
  async invoke(channel: string, request: unknown) {
    const reply = ipcReplySchema.parse(await ipcRenderer.invoke('fieldline:invoke', channel, request));
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.value;
  },
  on(event: string, listener: (payload: unknown) => void) {
    const wrapped = (_event: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('fieldline:event', wrapped);
    return () => ipcRenderer.removeListener('fieldline:event', wrapped);
  },
});
