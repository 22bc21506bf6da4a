import { FieldlineError } from '../../src-shared/protocol/errors';
import { ipcEvents, parseIpcEvent, parseIpcResponse, wsServerMessageSchema, type FieldlineApi, type IpcEventName, type IpcEventPayload, type IpcReply } from '../../src-shared/ipc/ipc-contract';

/**
 * window.fieldline in the browser shell: the same API the Electron preload exposes, carried over
 * the shell's loopback WebSocket (its session cookie authenticates it). Requests made while the
 * socket reconnects wait for it.
 */
export function createWebSocketBridge(url: string): FieldlineApi {
  let socket: WebSocket | null = null;
  let open: Promise<WebSocket> | null = null;
  let nextId = 0;
  const pending = new Map<number, (reply: IpcReply) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const connect = (): Promise<WebSocket> => {
    open ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onmessage = (event) => {
        const message = wsServerMessageSchema.safeParse(JSON.parse(String(event.data)));
        if (!message.success) return;
        if (message.data.type === 'reply') {
          const settle = pending.get(message.data.id);
          pending.delete(message.data.id);
          settle?.(message.data.reply);
          return;
        }
        const name = message.data.event;
        if (!Object.hasOwn(ipcEvents, name)) return;
        for (const listener of listeners.get(name) ?? []) listener(message.data.payload);
      };
      ws.onclose = () => {
        socket = null;
        open = null;
        for (const settle of pending.values()) settle({ ok: false, error: { code: 'NETWORK_ERROR', message: 'The app closed the connection; reload the page' } });
        pending.clear();
        reject(new FieldlineError('NETWORK_ERROR', 'Cannot reach the Fieldline app; is it still running?'));
        // The app restarted or the laptop slept: come back by ourselves.
        setTimeout(() => void connect().catch(() => undefined), 1000);
      };
    });
    return open;
  };

  return {
    async invoke(channel, request) {
      const ws = socket ?? (await connect());
      const id = nextId++;
      const reply = await new Promise<IpcReply>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, request }));
      });
      if (!reply.ok) throw new FieldlineError(reply.error.code, reply.error.message, reply.error.details);
      return parseIpcResponse(channel, reply.value);
    },
    on<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void) {
      const wrapped = (payload: unknown) => {
        const parsed = parseIpcEvent(event, payload);
        if (parsed !== null) listener(parsed);
      };
      const set = listeners.get(event) ?? new Set();
      set.add(wrapped);
      listeners.set(event, set);
      void connect().catch(() => undefined);
      return () => set.delete(wrapped);
    },
  };
}
