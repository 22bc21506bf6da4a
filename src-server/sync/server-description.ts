import type { ServerFeature, ServerInfo } from '../../src-shared/protocol/server-info';

/** What this server implements beyond the base protocol; devices read it from every sync answer. */
const features: readonly ServerFeature[] = ['as-sent-answers', 'conflict-decisions', 'history-check'];

/** The `server` part of every sync answer, the events' hello and the health check. */
export function describeServer(id: string, head: number): ServerInfo {
  return { id, head, features: [...features] };
}
