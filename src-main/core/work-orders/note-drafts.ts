import { noteFieldSchema, saveNoteDraftInputSchema, type NoteField } from '../../../src-shared/domain/work-order-commands';
import { parseOrThrow } from '../../../src-shared/protocol/errors';
import type { NoteDrafts } from '../../../src-shared/ipc/ipc-views';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';

/**
 * Notes never lost (a technician's notes as typed): each keystroke pause keeps the text in the
 * encrypted store, so leaving the page, a restart or a flat battery loses nothing; sending them to
 * the server stays a deliberate "Send notes". A draft goes once the work order holds its text —
 * sent, or the same text arrived from elsewhere — and never otherwise: not when the work order
 * leaves the laptop, nor with a cache clear. Signing out wipes it with the store.
 */
export class NoteDraftStore {
  constructor(
    private readonly db: ClientDb,
    private readonly clock: Clock,
  ) {}

  async get(workOrderId: string): Promise<NoteDrafts> {
    const rows = await this.db.selectFrom('note_drafts').select(['field', 'text', 'saved_at']).where('work_order_id', '=', workOrderId).execute();
    const current = await this.currentValues(workOrderId);
    const drafts: NoteDrafts = { completionNotes: null, rootCause: null };
    for (const row of rows) {
      const field = noteFieldSchema.safeParse(row.field);
      // A draft equal to what the work order holds now has nothing left to say.
      if (field.success && row.text !== (current[field.data] ?? '')) drafts[field.data] = { text: row.text, savedAt: row.saved_at };
    }
    return drafts;
  }

  async save(input: { workOrderId: string; field: NoteField; text: string }): Promise<{ savedAt: string }> {
    const { workOrderId, field, text } = parseOrThrow(saveNoteDraftInputSchema, input, 'note draft');
    const savedAt = isoAt(this.clock);
    const current = await this.currentValues(workOrderId);
    if (text === (current[field] ?? '')) {
      await this.db.deleteFrom('note_drafts').where('work_order_id', '=', workOrderId).where('field', '=', field).execute();
      return { savedAt };
    }
    await this.db
      .insertInto('note_drafts')
      .values({ work_order_id: workOrderId, field, text, saved_at: savedAt })
      .onConflict((oc) => oc.columns(['work_order_id', 'field']).doUpdateSet({ text, saved_at: savedAt }))
      .execute();
    return { savedAt };
  }

  /** After the notes were sent: the drafts they hold are in the work order now. */
  async settle(workOrderId: string): Promise<void> {
    const current = await this.currentValues(workOrderId);
    for (const field of noteFieldSchema.options) {
      await this.db
        .deleteFrom('note_drafts')
        .where('work_order_id', '=', workOrderId)
        .where('field', '=', field)
        .where('text', '=', current[field] ?? '')
        .execute();
    }
  }

  private async currentValues(workOrderId: string): Promise<Partial<Record<NoteField, string>>> {
    const row = await this.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', workOrderId).executeTakeFirst();
    const data = row ? parseData(row.data) : {};
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return { completionNotes: text(data.completionNotes), rootCause: text(data.rootCause) };
  }
}
