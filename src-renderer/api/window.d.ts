import type { FieldlineApi } from '../../src-shared/ipc/ipc-contract';

declare global {
  interface Window {
    /** Set by the Electron preload, or by the browser shell's bridge before the app renders. */
    fieldline?: FieldlineApi;
  }
}
