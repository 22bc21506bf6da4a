import type WebSocket from 'ws';

/** A WebSocket message as text, whichever form ws hands it over in (a Buffer, fragments, an ArrayBuffer). */
export function socketText(raw: WebSocket.RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw).toString('utf8');
}
