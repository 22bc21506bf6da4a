import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentLimits, isAcceptedType, planUploads, type UploadCandidate } from '../../src-shared/domain/attachment-rules';
import { detectContentType } from '../../src-shared/domain/content-type';

const candidate = fc.record({
  id: fc.uuid(),
  priority: fc.constantFrom(7, 8),
  size: fc.integer({ min: 1, max: 4 * attachmentLimits.largeUploadBytes }),
  recordSynced: fc.boolean(),
  state: fc.constantFrom<UploadCandidate['state']>('waiting', 'uploading', 'done', 'failed'),
  notBefore: fc.integer({ min: 0, max: 2_000 }),
  createdAt: fc.integer({ min: 0, max: 1e9 }).map((n) => new Date(1.7e12 + n).toISOString()),
});
const files = fc.uniqueArray(candidate, { selector: (c) => c.id, maxLength: 30 });
const network = fc.record({ metered: fc.boolean(), largeOnlyUnmetered: fc.boolean() });

describe('planUploads', () => {
  it('sends each file at most once, or says why it waits — never both, never neither', () => {
    fc.assert(
      fc.property(files, network, fc.integer({ min: 0, max: 2_000 }), (list, net, now) => {
        const plan = planUploads(list, net, now);
        for (const file of list) expect(plan.send.includes(file.id) !== file.id in plan.held).toBe(true);
        expect(new Set(plan.send).size).toBe(plan.send.length);
      }),
    );
  });

  it('sends only files whose record the server has, past their backoff, and no large one on a metered network when asked', () => {
    fc.assert(
      fc.property(files, network, fc.integer({ min: 0, max: 2_000 }), (list, net, now) => {
        const byId = new Map(list.map((f) => [f.id, f]));
        for (const id of planUploads(list, net, now).send) {
          const file = byId.get(id);
          expect(file?.recordSynced).toBe(true);
          expect(file?.state === 'waiting' || file?.state === 'uploading').toBe(true);
          expect(file?.notBefore ?? Infinity).toBeLessThanOrEqual(now);
          if (net.metered && net.largeOnlyUnmetered) expect(file?.size ?? Infinity).toBeLessThanOrEqual(attachmentLimits.largeUploadBytes);
        }
      }),
    );
  });

  it('sends photos (7) before documents (8), oldest first within a priority', () => {
    fc.assert(
      fc.property(files, (list) => {
        const byId = new Map(list.map((f) => [f.id, f]));
        const sent = planUploads(list, { metered: false, largeOnlyUnmetered: true }, 10_000).send.map((id) => byId.get(id));
        for (let i = 1; i < sent.length; i++) {
          const [a, b] = [sent[i - 1], sent[i]];
          if (!a || !b) continue;
          expect(a.priority <= b.priority).toBe(true);
          if (a.priority === b.priority) expect(a.createdAt <= b.createdAt).toBe(true);
        }
      }),
    );
  });

  it('holds a large photo for Wi-Fi but lets a small document go, on a metered network', () => {
    const base = { recordSynced: true, state: 'waiting' as const, notBefore: 0, createdAt: '2026-11-20T10:00:00.000Z' };
    const plan = planUploads(
      [
        { ...base, id: 'big', priority: 7, size: 5_000_000 },
        { ...base, id: 'small', priority: 8, size: 20_000 },
      ],
      { metered: true, largeOnlyUnmetered: true },
      0,
    );
    expect(plan).toEqual({ send: ['small'], held: { big: 'unmetered-network' } });
  });
});

describe('content types', () => {
  it('comes from the bytes, not the name', async () => {
    expect(await detectContentType(Buffer.from('%PDF-1.7\n1 0 obj\n'))).toBe('application/pdf');
    expect(await detectContentType(Buffer.from('Pump 3 readings: 4.2 bar\n'))).toBe('text/plain');
    expect(await detectContentType(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00]))).not.toBe('text/plain');
    expect(await detectContentType(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toBeNull();
  });

  it('accepts only JPEG as a stored photo and the listed document types', () => {
    expect(isAcceptedType('photo', 'image/jpeg')).toBe(true);
    expect(isAcceptedType('photo', 'image/png')).toBe(false);
    expect(isAcceptedType('document', 'application/pdf')).toBe(true);
    expect(isAcceptedType('document', 'application/x-msdownload')).toBe(false);
  });
});
