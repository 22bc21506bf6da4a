import type { RecordSyncState } from '../../src-shared/sync/sync-status';

const icons: Record<RecordSyncState, { glyph: string; label: string }> = {
  synced: { glyph: '✓', label: 'Synced' },
  queued: { glyph: '◷', label: 'Queued' },
  syncing: { glyph: '↻', label: 'Syncing' },
  conflict: { glyph: '⚠', label: 'Conflict' },
  failed: { glyph: '✕', label: 'Failed' },
};

/** Per-record sync state: a glyph and a word, never colour alone (sunlight, colour blindness). */
export function SyncIcon({ state }: { state: RecordSyncState }) {
  const icon = icons[state];
  return (
    <span className={`sync-icon sync-${state}`} title={icon.label} data-sync-state={state}>
      <span aria-hidden="true">{icon.glyph}</span> {icon.label}
    </span>
  );
}
