/**
 * The units a measurement is taken in, chosen from a list rather than typed (a typed "A" and a
 * placeholder "A" look the same), each with the range a real reading of it can fall in: a value
 * outside it is a typing slip (−99999 bar), refused with the range in words.
 */
export const measurementUnits = {
  '°C': { label: 'temperature, °C', min: -80, max: 1500 },
  bar: { label: 'pressure, bar', min: -1, max: 1000 },
  kPa: { label: 'pressure, kPa', min: -100, max: 100_000 },
  A: { label: 'current, A', min: 0, max: 10_000 },
  V: { label: 'voltage, V', min: 0, max: 100_000 },
  kW: { label: 'power, kW', min: 0, max: 100_000 },
  Hz: { label: 'frequency, Hz', min: 0, max: 10_000 },
  rpm: { label: 'speed, rpm', min: 0, max: 200_000 },
  'mm/s': { label: 'vibration, mm/s', min: 0, max: 1000 },
  '%': { label: 'percent, %', min: 0, max: 100 },
  'MΩ': { label: 'insulation resistance, MΩ', min: 0, max: 1_000_000 },
  'm³/h': { label: 'flow, m³/h', min: 0, max: 1_000_000 },
  'l/min': { label: 'flow, l/min', min: 0, max: 1_000_000 },
  ppm: { label: 'concentration, ppm', min: 0, max: 1_000_000 },
  h: { label: 'running hours, h', min: 0, max: 1_000_000 },
  count: { label: 'count', min: 0, max: 1_000_000_000 },
} as const satisfies Record<string, { label: string; min: number; max: number }>;
export type MeasurementUnit = keyof typeof measurementUnits;
export const measurementUnitNames: readonly string[] = Object.keys(measurementUnits);

export function isMeasurementUnit(unit: string): unit is MeasurementUnit {
  return Object.hasOwn(measurementUnits, unit);
}

/** Null when the reading can be real; otherwise why not, in words. Units not in the list (older records) are not checked. */
export function measurementProblem(value: number, unit: string): string | null {
  if (!Number.isFinite(value)) return 'A measurement is a number';
  if (!isMeasurementUnit(unit)) return null;
  const { min, max, label } = measurementUnits[unit];
  if (value < min || value > max) return `${value} ${unit} cannot be a reading of ${label}: it lies between ${min} and ${max} ${unit}`;
  return null;
}
