import { z } from 'zod';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';
import {
  addLaborInputSchema,
  addPartUsedInputSchema,
  assignWorkOrderInputSchema,
  changeStatusInputSchema,
  createWorkOrderInputSchema,
  editNotesInputSchema,
  recordMeasurementInputSchema,
  removePartUsedInputSchema,
  saveNoteDraftInputSchema,
  setAssetStatusInputSchema,
  setTaskDoneInputSchema,
  workOrderIdInputSchema,
  workOrderListQuerySchema, removeLaborInputSchema, removeMeasurementInputSchema, setLabelsInputSchema, updateLaborInputSchema, updateMeasurementInputSchema } from '../domain/work-order-commands';
import { conflictSchema, conflictStatusSchema, resolveConflictRequestSchema } from '../protocol/conflicts';
import { errorEnvelopeSchema } from '../protocol/errors';
import { policyViewSchema } from '../policy/managed-policy';
import { sessionInfoSchema, settingsPatchSchema, settingsSchema } from '../settings/settings-schema';
import { syncStatusSchema } from '../sync/sync-status';
import { cacheClearedSchema } from '../sync/cache-clear';
import { addAttachmentInputSchema } from '../domain/attachment-commands';
import { attachmentMetaSchema } from '../domain/entities';
import { attachmentVariantSchema } from '../protocol/attachments';
import {
  attachmentFileViewSchema,
  attachmentUploadViewSchema,
  diagnosticsSchema,
  localConflictSchema,
  localWriteResultSchema,
  noteDraftsSchema,
  noticeSchema,
  outboxItemSchema,
  referenceDataSchema,
  rememberedChoiceSchema,
  siteConflictSchema,
  syncHealthSchema,
  workOrderDetailSchema,
  workOrderListSchema, workOrderHistorySchema } from './ipc-views';

/**
 * The typed IPC contract (docs/architecture.md: one schema, one truth): every channel's request and response,
 * and every event. The main side validates each request against it, the preload and the browser
 * shell's bridge expose exactly these channels as `window.fieldline`, and the renderer's types
 * come from here.
 */
const empty = z.strictObject({});
const opIdInput = z.strictObject({ opId: z.uuid() });
const ok = z.object({ ok: z.literal(true) });

export const ipcContract = {
  'session.get': {
    request: empty,
    response: z.object({
      session: sessionInfoSchema.nullable(),
      serverUrl: z.string().nullable(),
      /** IT set the server; the sign-in form shows it read-only. */
      serverLocked: z.boolean(),
      /** IT's policy file exists but is unusable: shown to the user, the app runs on defaults. */
      policyError: z.string().nullable(),
    }),
  },
  'session.signIn': {
    request: z.strictObject({ serverUrl: z.url({ protocol: /^https?$/ }).max(500), username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    response: sessionInfoSchema,
  },
  'session.signOut': { request: z.strictObject({ force: z.boolean().default(false) }), response: z.object({ discardedChanges: z.number().int() }) },

  'workOrders.list': { request: workOrderListQuerySchema, response: workOrderListSchema },
  'workOrders.get': { request: workOrderIdInputSchema, response: workOrderDetailSchema },
  'workOrders.reference': { request: empty, response: referenceDataSchema },
  'workOrders.history': { request: workOrderIdInputSchema, response: workOrderHistorySchema },
  'workOrders.openLoad': { request: z.strictObject({ now: isoDateTimeSchema }), response: z.array(z.object({ assignedTo: z.string().nullable(), open: z.number().int(), overdue: z.number().int() })) },
  'workOrders.changeStatus': { request: changeStatusInputSchema, response: localWriteResultSchema },
  'workOrders.assign': { request: assignWorkOrderInputSchema, response: localWriteResultSchema },
  'workOrders.setTaskDone': { request: setTaskDoneInputSchema, response: localWriteResultSchema },
  'workOrders.addPartUsed': { request: addPartUsedInputSchema, response: localWriteResultSchema },
  'workOrders.removePartUsed': { request: removePartUsedInputSchema, response: localWriteResultSchema },
  'workOrders.addLabor': { request: addLaborInputSchema, response: localWriteResultSchema },
  'workOrders.recordMeasurement': { request: recordMeasurementInputSchema, response: localWriteResultSchema },
  'workOrders.updateMeasurement': { request: updateMeasurementInputSchema, response: localWriteResultSchema },
  'workOrders.removeMeasurement': { request: removeMeasurementInputSchema, response: localWriteResultSchema },
  'workOrders.updateLabor': { request: updateLaborInputSchema, response: localWriteResultSchema },
  'workOrders.setLabels': { request: setLabelsInputSchema, response: localWriteResultSchema },
  'workOrders.removeLabor': { request: removeLaborInputSchema, response: localWriteResultSchema },
  'workOrders.editNotes': { request: editNotesInputSchema, response: localWriteResultSchema },
  'workOrders.setAssetStatus': { request: setAssetStatusInputSchema, response: localWriteResultSchema },
  'workOrders.noteDrafts': { request: workOrderIdInputSchema, response: noteDraftsSchema },
  'workOrders.saveNoteDraft': { request: saveNoteDraftInputSchema, response: z.object({ savedAt: isoDateTimeSchema }) },
  'workOrders.create': { request: createWorkOrderInputSchema, response: localWriteResultSchema.extend({ id: recordIdSchema }) },
  'workOrders.deleteDraft': { request: workOrderIdInputSchema, response: localWriteResultSchema },

  'attachments.add': { request: addAttachmentInputSchema, response: attachmentMetaSchema },
  'attachments.remove': { request: z.strictObject({ attachmentId: recordIdSchema }), response: ok },
  'attachments.file': { request: z.strictObject({ attachmentId: recordIdSchema, variant: attachmentVariantSchema }), response: attachmentFileViewSchema },
  'attachments.uploads': { request: empty, response: z.array(attachmentUploadViewSchema) },
  'attachments.retryUpload': { request: z.strictObject({ attachmentId: recordIdSchema }), response: ok },

  'sync.status': { request: empty, response: syncStatusSchema },
  'sync.now': { request: empty, response: z.object({ ok: z.boolean(), pushed: z.number().int(), pulled: z.number().int(), error: errorEnvelopeSchema.nullable() }) },
  'sync.health': { request: empty, response: syncHealthSchema },
  'sync.notices': { request: empty, response: z.array(noticeSchema) },
  'sync.dismissNotice': { request: z.strictObject({ id: z.string().min(1).max(64) }), response: ok },
  'sync.clearCache': { request: empty, response: cacheClearedSchema },

  'outbox.list': { request: empty, response: z.array(outboxItemSchema) },
  'outbox.retry': { request: opIdInput, response: ok },
  'outbox.retryAllFailed': { request: empty, response: z.object({ retried: z.number().int() }) },
  'outbox.discard': { request: opIdInput, response: ok },

  'conflicts.list': { request: z.strictObject({ status: conflictStatusSchema.optional() }), response: z.array(localConflictSchema) },
  'conflicts.resolve': {
    request: z.strictObject({
      conflictId: z.string().min(1).max(64),
      decision: resolveConflictRequestSchema,
      /** Fields whose choice this device applies by itself to later conflicts. */
      remember: z.record(z.string().min(1).max(64), rememberedChoiceSchema).default({}),
    }),
    response: ok,
  },
  'conflicts.forget': { request: z.strictObject({ field: z.string().min(1).max(64) }), response: ok },
  'serverConflicts.list': {
    request: z.strictObject({ status: conflictStatusSchema.optional(), siteId: recordIdSchema.optional() }),
    response: z.array(siteConflictSchema),
  },
  'serverConflicts.resolve': { request: z.strictObject({ conflictId: z.uuid(), decision: resolveConflictRequestSchema }), response: conflictSchema },

  'settings.get': { request: empty, response: z.object({ settings: settingsSchema, policy: policyViewSchema }) },
  'settings.update': { request: settingsPatchSchema, response: settingsSchema },
  'diagnostics.export': { request: empty, response: diagnosticsSchema },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type IpcContract = typeof ipcContract;
export type IpcChannel = keyof IpcContract;
/** What the renderer may pass (defaults not yet filled). */
export type IpcRequest<C extends IpcChannel> = z.input<IpcContract[C]['request']>;
/** What a handler receives: the request after validation. */
export type IpcValidRequest<C extends IpcChannel> = z.output<IpcContract[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<IpcContract[C]['response']>;

/**
 * The contract seen as a mapped type over channels, so that indexing it with a generic channel
 * keeps request and response tied to that channel (TypeScript's correlated-union pattern).
 */
export type IpcSpecs = {
  [C in IpcChannel]: { request: z.ZodType<IpcValidRequest<C>, IpcRequest<C>>; response: z.ZodType<IpcResponse<C>, z.input<IpcContract[C]['response']>> };
};
export const ipcSpecs: IpcSpecs = ipcContract;

/** Checks an answer against its channel's response schema (both sides of the boundary do). */
export function parseIpcResponse<C extends IpcChannel>(channel: C, value: unknown): IpcResponse<C> {
  const spec: IpcSpecs[C] = ipcSpecs[channel];
  return spec.response.parse(value);
}

export function isIpcChannel(name: string): name is IpcChannel {
  return Object.hasOwn(ipcContract, name);
}

/** Pushed from the main process to the renderer. */
export const ipcEvents = {
  /** The badge: always the worker's current view. */
  'sync.status': syncStatusSchema,
  /** Records on the device changed (a pull, a local write, a discard): views re-read what they show. */
  'data.changed': z.object({ reason: z.enum(['local', 'sync', 'session']) }),
} as const satisfies Record<string, z.ZodType>;
export type IpcEvents = typeof ipcEvents;
export type IpcEventName = keyof IpcEvents;
export type IpcEventPayload<E extends IpcEventName> = z.output<IpcEvents[E]>;

type IpcEventSpecs = { [E in IpcEventName]: z.ZodType<IpcEventPayload<E>> };
const ipcEventSpecs: IpcEventSpecs = ipcEvents;

/** An event's payload checked against its schema; null if it does not match. */
export function parseIpcEvent<E extends IpcEventName>(event: E, payload: unknown): IpcEventPayload<E> | null {
  const schema: IpcEventSpecs[E] = ipcEventSpecs[event];
  const parsed = schema.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

/** Every answer crosses the boundary as this envelope; errors keep their code and message. */
export const ipcReplySchema = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: errorEnvelopeSchema })]);
export type IpcReply = z.infer<typeof ipcReplySchema>;

/** The messages of the browser shell's loopback WebSocket: a request with an id, its reply, and events. */
export const wsClientMessageSchema = z.strictObject({ id: z.number().int().min(0), channel: z.string().max(100), request: z.unknown() });
export const wsServerMessageSchema = z.union([
  z.object({ type: z.literal('reply'), id: z.number().int(), reply: ipcReplySchema }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type WsServerMessage = z.infer<typeof wsServerMessageSchema>;

/** window.fieldline: the only thing the renderer can reach. */
export interface FieldlineApi {
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResponse<C>>;
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
}
