/** A record's field as a person reads it: "completionNotes" → "Completion notes". */
export function fieldName(field: string): string {
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Several fields in one phrase: "Completion notes, labor and measurements". */
export function fieldNames(fields: readonly string[]): string {
  const names = fields.map((f, i) => (i === 0 ? fieldName(f) : fieldName(f).toLowerCase()));
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}
