/** The <option>s of a select: records by id, or the values of an enum. */
export function RecordOptions<T extends { id: string }>({ items, label }: { items: readonly T[]; label: (item: T) => string }) {
  return (
    <>
      {items.map((item) => (
        <option key={item.id} value={item.id}>
          {label(item)}
        </option>
      ))}
    </>
  );
}

export function EnumOptions<V extends string>({ values, label }: { values: readonly V[]; label?: (value: V) => string }) {
  return (
    <>
      {values.map((value) => (
        <option key={value} value={value}>
          {label ? label(value) : value}
        </option>
      ))}
    </>
  );
}
