import { useEffect, useRef, useState } from 'react';
import type { NoteField } from '../../src-shared/domain/work-order-commands';
import { api, useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';

type Notes = Record<NoteField, string>;

/** How long typing pauses before the text is kept on the laptop. */
const draftPauseMs = 400;

/**
 * Completion notes and root cause. What is typed is kept on this laptop,
 * encrypted, a moment after each pause, and comes back after leaving the page or a restart; it goes
 * to the server only when the technician sends it. The status line says which of these it is.
 */
export function NotesEditor({ workOrderId, saved, syncState }: { workOrderId: string; saved: Notes; syncState: string }) {
  const send = useIpcMutation('workOrders.editNotes');
  const [notes, setNotes] = useState<Notes | null>(null);
  const [keptAt, setKeptAt] = useState<string | null>(null);
  const [draftError, setDraftError] = useState<unknown>(null);
  const timers = useRef<Partial<Record<NoteField, ReturnType<typeof setTimeout>>>>({});
  const savedNow = useRef(saved);
  savedNow.current = saved;

  // The editors start from the drafts if there are any, else from the work order: read afresh each
  // time the page opens (a cached answer would miss what was typed since).
  useEffect(() => {
    let current = true;
    setNotes(null);
    setKeptAt(null);
    api()
      .invoke('workOrders.noteDrafts', { workOrderId })
      .then(
        (drafts) => {
          if (!current) return;
          setNotes({ completionNotes: drafts.completionNotes?.text ?? savedNow.current.completionNotes, rootCause: drafts.rootCause?.text ?? savedNow.current.rootCause });
          setKeptAt(drafts.completionNotes?.savedAt ?? drafts.rootCause?.savedAt ?? null);
        },
        (error: unknown) => current && setDraftError(error),
      );
    return () => {
      current = false;
    };
  }, [workOrderId]);
  // The work order's notes changed (a pull, a conflict decided): a field nobody is editing here follows them.
  const shown = useRef<Notes | null>(null);
  useEffect(() => {
    const before = shown.current;
    shown.current = saved;
    if (!before) return;
    setNotes((current) => {
      if (!current) return current;
      const next = { ...current };
      for (const field of ['completionNotes', 'rootCause'] as const) if (current[field] === before[field]) next[field] = saved[field];
      return next;
    });
  }, [saved.completionNotes, saved.rootCause]);
  useEffect(() => () => Object.values(timers.current).forEach((t) => clearTimeout(t)), []);

  if (!notes) return draftError ? <ErrorNote error={draftError} /> : <p className="muted">Loading notes…</p>;
  const unsent = notes.completionNotes !== saved.completionNotes || notes.rootCause !== saved.rootCause;

  const edit = (field: NoteField, text: string) => {
    setNotes({ ...notes, [field]: text });
    clearTimeout(timers.current[field]);
    timers.current[field] = setTimeout(() => {
      api()
        .invoke('workOrders.saveNoteDraft', { workOrderId, field, text })
        .then(
          (kept) => {
            setKeptAt(kept.savedAt);
            setDraftError(null);
          },
          (error: unknown) => setDraftError(error),
        );
    }, draftPauseMs);
  };

  const status = unsent
    ? keptAt
      ? `Draft kept on this laptop (${dateTime(keptAt)}) — not sent yet`
      : 'Not sent yet'
    : syncState === 'synced'
      ? 'On the server'
      : send.isSuccess
        ? 'Sent — on its way to the server'
        : 'Saved on this laptop — goes to the server with the next sync';

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        send.mutate({ workOrderId, completionNotes: notes.completionNotes || null, rootCause: notes.rootCause || null });
      }}
    >
      <label className="block">
        Completion notes
        <textarea rows={4} value={notes.completionNotes} onChange={(e) => edit('completionNotes', e.target.value)} maxLength={20_000} />
      </label>
      <label className="block">
        Root cause
        <textarea rows={3} value={notes.rootCause} onChange={(e) => edit('rootCause', e.target.value)} maxLength={20_000} />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={!unsent || send.isPending}>
          Send notes
        </button>
        <span className="muted" role="status" data-testid="notes-status">
          {status}
        </span>
      </div>
      <ErrorNote error={send.error ?? draftError} />
    </form>
  );
}
