import type { JsonRecord } from '../../../src-shared/merge/merge-patch';

/** What a person recognises a record by in the queue and conflict views: its number, else its title (a file's name, a user's name). */
export function recordLabel(data: JsonRecord, id: string): string {
  if (typeof data.number === 'string') return data.number;
  if (typeof data.tag === 'string' && typeof data.name === 'string') return `${data.tag} ${data.name}`;
  if (typeof data.title === 'string') return data.title;
  if (typeof data.fileName === 'string') return data.fileName;
  if (typeof data.displayName === 'string') return data.displayName;
  return id.slice(-8);
}
