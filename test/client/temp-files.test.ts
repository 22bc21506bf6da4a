import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files-under';

const root = join(import.meta.dirname, '..', '..');

/** Every regular file a process holds open now, with what it reads (deleted ones too). */
function openFiles(pid: number): { path: string; read: () => Buffer | null }[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  return fds.flatMap((fd) => {
    let path: string;
    try {
      path = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return [];
    }
    if (!path.startsWith('/') || path.startsWith('/dev/') || path.startsWith('/proc/') || path.includes('/node_modules/') || path.endsWith('.ts') || path.endsWith('.js')) return [];
    return [
      {
        path,
        read: () => {
          try {
            return readFileSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return null;
          }
        },
      },
    ];
  });
}

/**
 * No plaintext reaches the disk, not even for a moment: SQLite's temporary files (a sort that
 * outgrows its cache spills to an unlinked file in /var/tmp, which no directory scan sees) are read
 * through /proc while a process works the store; the attachment vault's staging file (`.part`),
 * left by a write cut off before its rename, and everything else under the profile, after.
 */
describe('temporary and staging files', () => {
  it('a process sorting 150k records and storing photos never holds a file with their text in it', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'fieldline-temp-scan-'));
    const marker = 'QUAGGA-5521-gate-code';
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'support', 'store-at-work.ts'), profile, marker], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid ?? -1;
    const seen = new Set<string>();
    const plaintextIn = new Set<string>();
    const needle = Buffer.from(marker);
    const watching = setInterval(() => {
      for (const file of openFiles(pid)) {
        seen.add(file.path);
        if (file.read()?.includes(needle)) plaintextIn.add(file.path);
      }
    }, 3);
    const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearInterval(watching);
    expect(exit).toBe(0);
    // The scan saw the store at work, and the cut-off write left its staging file (else they prove nothing).
    expect([...seen].some((p) => p.endsWith('fieldline.db-wal'))).toBe(true);
    expect([...plaintextIn]).toEqual([]);
    const left = filesUnder(profile);
    const leftWithPlaintext = left.filter((file) => readFileSync(file).includes(needle));
    rmSync(profile, { recursive: true, force: true });
    expect(left.some((f) => f.endsWith('.content.part'))).toBe(true);
    expect(leftWithPlaintext).toEqual([]);
  });
});
