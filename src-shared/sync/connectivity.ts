/**
 * docs/keeping-work-safe.md: connectivity is known, not guessed. The device holds a WebSocket to the server's
 * events; heartbeats tell it within seconds when the server stops answering, and quick reconnects
 * tell it within seconds when the server is back, with nobody pressing anything.
 */

/** A ping on the events socket this often (the server pings too: both ends see a dead link). */
export const heartbeatIntervalMs = 10_000;
/** No pong within this: the link is dead, whatever the operating system still believes. */
export const heartbeatTimeoutMs = 5_000;
/** Reconnects come every 1–5 s (with jitter, so a fleet does not knock at once) for this long… */
export const quickReconnectWindowMs = 60_000;
/** …then back off, doubling from 5 s up to this. */
export const slowestReconnectMs = 60_000;
/** An edit waits this long for the rest of its burst (a technician ticking five tasks is one push). */
export const localChangeDebounceMs = 300;

/**
 * The wait before reconnect attempt number `attempt` (1 for the first) to a server unreachable for
 * `unreachableForMs`; `random` in [0, 1) is passed in.
 */
export function reconnectDelayMs(unreachableForMs: number, attempt: number, random: () => number): number {
  if (unreachableForMs < quickReconnectWindowMs) return Math.round(1_000 + 4_000 * random());
  const quickAttempts = Math.ceil(quickReconnectWindowMs / 3_000);
  const beyond = Math.max(0, attempt - quickAttempts);
  const base = Math.min(slowestReconnectMs, 5_000 * 2 ** Math.min(beyond, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}
