import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMeasurementUnit, measurementProblem, measurementUnits } from '../../src-shared/domain/measurement-units';

describe('measurement ranges', () => {
  it('a reading is refused exactly when it lies outside its unit’s range, and the refusal names the range', () => {
    const units = Object.keys(measurementUnits);
    fc.assert(
      fc.property(fc.constantFrom(...units), fc.double({ min: -2e9, max: 2e9, noNaN: true }), (unit, value) => {
        if (!isMeasurementUnit(unit)) throw new Error(`${unit} is a listed unit`);
        const range = measurementUnits[unit];
        const problem = measurementProblem(value, unit);
        expect(problem === null).toBe(value >= range.min && value <= range.max);
        if (problem) expect(problem).toContain(`between ${range.min} and ${range.max} ${unit}`);
      }),
    );
  });
  it('units outside the list (older records) are not judged; a non-number always is', () => {
    expect(measurementProblem(-5, 'furlongs')).toBeNull();
    expect(measurementProblem(Number.NaN, 'bar')).toBe('A measurement is a number');
  });
});
