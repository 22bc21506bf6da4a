import { recordHistorySchema, type RecordHistory } from '../../../src-shared/protocol/history';
import type { EntityName } from '../../../src-shared/domain/entity-registry';
import { gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { request as httpRequest, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { tokenResponseSchema, type TokenResponse } from '../../../src-shared/protocol/auth';
import { errorEnvelopeSchema, FieldlineError } from '../../../src-shared/protocol/errors';
import { parseJsonOrUndefined } from '../../../src-shared/domain/json';
import { pullResponseSchema } from '../../../src-shared/protocol/pull';
import { parsedChange, parsePullLines, pullLinesMediaType, type PulledPage } from '../../../src-shared/protocol/pull-lines';
import { pushResponseSchema, type PushRequest, type PushResponse, type HandOverRequest } from '../../../src-shared/protocol/push';
import { healthResponseSchema } from '../../../src-shared/protocol/health';
import { attachmentDownloadPath, attachmentUploadsPath, type AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { conflictListResponseSchema, resolveConflictResponseSchema, type Conflict, type ResolveConflictRequest } from '../../../src-shared/protocol/conflicts';

export interface Transferred<T> {
  body: T;
  bytesSent: number;
  bytesReceived: number;
}

export interface PullParams {
  cursor: string | null;
  limit: number;
  sites?: readonly string[];
  workOrders?: readonly string[];
}

/** An answer not yet decoded: `read` inflates, parses and validates it (SERVER_ERROR if it is not what was asked for). */
export interface Received<T> {
  bytesSent: number;
  bytesReceived: number;
  read(): T;
}

const gzipThreshold = 1024;

/**
 * Answers may come zstd where this runtime reads it (Node 22.15+): the server packs a first sync's
 * pages as tightly as gzip in a fifth of its CPU, and unpacking costs the device the same.
 */
const zstdReadable = typeof zstdDecompressSync === 'function';
const acceptEncoding = zstdReadable ? 'zstd, gzip' : 'gzip';
function decompressorFor(contentEncoding: string): ((wire: Buffer) => Buffer) | undefined {
  if (contentEncoding === 'identity') return (wire) => wire;
  if (contentEncoding === 'gzip') return (wire) => gunzipSync(wire);
  if (contentEncoding === 'zstd' && zstdReadable) return (wire) => zstdDecompressSync(wire);
  return undefined;
}

/**
 * The device's side of docs/protocol.md. Every failure becomes a FieldlineError: no answer at all
 * is NETWORK_ERROR (the server did not answer — a network link alone is not "online"), an answer
 * carries the server's envelope.
 */
export class SyncApi {
  /** Round trips made, for diagnostics and the bench. */
  requests = 0;
  /** Bytes of the last request body as sent (compressed when it was). */
  lastRequestBytes = 0;
  /** Bytes of the last push request body as sent. */
  lastPushBytes = 0;

  /** `dispatcher`: the connection pool to use (undici's global one when absent). */
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
    private readonly dispatcher?: Dispatcher,
  ) {}

  private async request<S extends z.ZodType>(
    schema: S,
    path: string,
    init: { method: 'GET' | 'POST'; token?: string; body?: unknown },
  ): Promise<Transferred<z.infer<S>>> {
    const received = await this.send(path, init, jsonAnswer(schema, path));
    return { body: received.read(), bytesSent: received.bytesSent, bytesReceived: received.bytesReceived };
  }

  /** Sends a request and returns the answer as it came off the wire, decoded only when read. */
  private async send<T>(
    path: string,
    init: { method: 'GET' | 'POST'; token?: string; body?: unknown; accept?: string },
    decode: (text: string, contentType: string) => T,
  ): Promise<Received<T>> {
    const headers: Record<string, string> = { 'accept-encoding': acceptEncoding };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.accept) headers.accept = init.accept;
    let body: Uint8Array | undefined;
    if (init.body !== undefined) {
      const json = Buffer.from(JSON.stringify(init.body));
      headers['content-type'] = 'application/json';
      if (json.length > gzipThreshold) {
        body = gzipSync(json);
        headers['content-encoding'] = 'gzip';
      } else body = json;
    }
    this.requests++;
    this.lastRequestBytes = body?.length ?? 0;
    const answer = await this.exchange(path, { method: init.method, headers, body });
    return {
      bytesSent: (body?.length ?? 0) + path.length,
      bytesReceived: answer.wire.length,
      read: () => decode(answer.inflate().toString('utf8'), answer.contentType),
    };
  }

  /**
   * One HTTP exchange: no answer at all is NETWORK_ERROR, an error answer becomes the server's
   * envelope. undici's request, not fetch: fetch inflates through a stream, which for the few
   * kilobytes of a delta cost more than the rest of the exchange (16 KB on loopback: 1.5 → 0.6 ms).
   * A good answer is inflated only when asked for.
   */
  private async exchange(
    path: string,
    init: { method: Dispatcher.HttpMethod; headers: Record<string, string>; body?: Uint8Array },
  ): Promise<{ wire: Buffer; contentType: string; inflate: () => Buffer }> {
    const send = () => httpRequest(new URL(path, this.baseUrl), { ...init, signal: AbortSignal.timeout(this.timeoutMs), ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) });
    let response: Dispatcher.ResponseData;
    try {
      // One immediate retry: a pooled connection the server closed (restart, idle timeout) fails at
      // once. Safe for every call here: pull is a read, push is exactly-once by opId, and a refresh
      // whose answer was lost may be presented again.
      response = await send().catch(send);
    } catch (error) {
      throw new FieldlineError('NETWORK_ERROR', `The server at ${this.baseUrl} does not answer`, { cause: error instanceof Error ? error.message : String(error) });
    }
    let wire: Buffer;
    try {
      wire = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      throw new FieldlineError('NETWORK_ERROR', 'The connection broke while reading the answer', { cause: String(error) });
    }
    const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
    const decompress = decompressorFor(encoding);
    const inflate = () => {
      if (!decompress) throw new FieldlineError('SERVER_ERROR', `The server answered ${path} in an encoding this device does not read (${encoding})`);
      try {
        return decompress(wire);
      } catch {
        throw new FieldlineError('SERVER_ERROR', `The server's answer to ${path} arrived damaged (it does not inflate)`);
      }
    };
    if (response.statusCode < 200 || response.statusCode > 299) {
      const envelope = errorEnvelopeSchema.safeParse(parseJsonOrUndefined(inflate().toString('utf8')));
      if (envelope.success) throw new FieldlineError(envelope.data.code, envelope.data.message, envelope.data.details);
      throw new FieldlineError(response.statusCode >= 500 ? 'SERVER_ERROR' : 'VALIDATION_ERROR', `The server answered ${response.statusCode}`, { status: response.statusCode });
    }
    return { wire, contentType: String(response.headers['content-type'] ?? ''), inflate };
  }

  /** An attachment's file or thumbnail, as bytes. */
  async downloadAttachment(token: string, id: string, variant: AttachmentVariant): Promise<Buffer> {
    this.requests++;
    const answer = await this.exchange(attachmentDownloadPath(id, variant), { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    return answer.inflate();
  }

  /** Where tus creates uploads. */
  uploadsEndpoint(): string {
    return new URL(attachmentUploadsPath, this.baseUrl).toString();
  }

  /** `device`: this laptop's id and machine name, which IT sees and may revoke. */
  async login(username: string, password: string, device?: { id: string; name: string }): Promise<TokenResponse> {
    return (await this.request(tokenResponseSchema, '/api/v1/auth/login', { method: 'POST', body: { username, password, ...(device ? { device } : {}) } })).body;
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    return (await this.request(tokenResponseSchema, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken } })).body;
  }

  async logout(refreshToken: string): Promise<void> {
    try {
      await this.exchange('/api/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ refreshToken })) });
    } catch (error) {
      // Offline, or the token is already void: the device forgets it either way.
      if (error instanceof FieldlineError && (error.code === 'NETWORK_ERROR' || error.code === 'AUTH_ERROR')) return;
      throw error;
    }
  }

  /** A revoked laptop's unsent work, with the refresh token of its ended sign-in (docs/protocol.md, Revoked devices). */
  async handOver(request: HandOverRequest): Promise<PushResponse> {
    return (await this.request(pushResponseSchema, '/api/v1/sync/hand-over', { method: 'POST', body: request })).body;
  }

  push(token: string, request: PushRequest): Promise<Transferred<PushResponse>> {
    const sent = this.request(pushResponseSchema, '/api/v1/sync/push', { method: 'POST', token, body: request });
    // request() sizes (and compresses) the body before its first await.
    this.lastPushBytes = this.lastRequestBytes;
    return sent;
  }

  /** Asks for the answer as lines (pull-lines.ts); a server that does not offer them answers JSON. */
  pull(token: string, params: PullParams): Promise<Received<PulledPage>> {
    const query = new URLSearchParams({ limit: String(params.limit) });
    if (params.cursor) query.set('cursor', params.cursor);
    if (params.sites && params.sites.length > 0) query.set('sites', params.sites.join(','));
    if (params.workOrders && params.workOrders.length > 0) query.set('workOrders', params.workOrders.join(','));
    const path = `/api/v1/sync/pull?${query.toString()}`;
    const json = jsonAnswer(pullResponseSchema, path);
    return this.send(path, { method: 'GET', token, accept: `${pullLinesMediaType}, application/json;q=0.5` }, (text, contentType): PulledPage => {
      if (contentType.startsWith(pullLinesMediaType)) return parsePullLines(text);
      const page = json(text);
      return { ...page, changes: page.changes.map(parsedChange) };
    });
  }

  async health() {
    return (await this.request(healthResponseSchema, '/api/v1/health', { method: 'GET' })).body;
  }

  async serverConflicts(token: string, query: { siteId?: string; status?: string; ids?: string; limit?: string }): Promise<Conflict[]> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return (await this.request(conflictListResponseSchema, `/api/v1/conflicts?${params.toString()}`, { method: 'GET', token })).body.conflicts;
  }

  async recordHistory(token: string, entity: EntityName, id: string): Promise<RecordHistory> {
    return (await this.request(recordHistorySchema, `/api/v1/records/${entity}/${encodeURIComponent(id)}/history`, { method: 'GET', token })).body;
  }

  async resolveServerConflict(token: string, id: string, decision: ResolveConflictRequest) {
    return (await this.request(resolveConflictResponseSchema, `/api/v1/conflicts/${id}/resolve`, { method: 'POST', token, body: decision })).body;
  }

  eventsUrl(): string {
    const url = new URL('/api/v1/sync/events', this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }
}

/**
 * One turn of the event loop, in which a request just issued is written to its socket. A caller
 * that goes on to hold the thread with synchronous database work (a page's or a batch's
 * transaction) awaits it first, so that the server works on the request meanwhile instead of after.
 */
export function letRequestLeave(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Decodes a JSON answer; SERVER_ERROR if it is not what was asked for. */
function jsonAnswer<S extends z.ZodType>(schema: S, path: string): (text: string) => z.infer<S> {
  return (text) => {
    const parsed = schema.safeParse(parseJsonOrUndefined(text));
    if (!parsed.success) throw new FieldlineError('SERVER_ERROR', `The server's answer to ${path} is not in the expected format`);
    return parsed.data;
  };
}
