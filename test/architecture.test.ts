import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** design.md's layers: imports point down only; the shared core runs in Node, Electron and the browser. */
const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const full = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(full);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(full, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(root, path));
    return /\.(ts|tsx)$/.test(name) ? [relative(root, path)] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
}

describe('layering', () => {
  it('src-shared imports no Node built-in, no other layer and nothing with side effects on a platform', () => {
    for (const file of sourceFiles('src-shared')) {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|os|crypto|child_process|electron)$/);
        expect(spec, `${file} imports ${spec}`).not.toMatch(/src-(main|server|renderer)/);
      }
    }
  });

  it('nothing outside src-main/electron imports electron', () => {
    const files = ['src-main', 'src-shared', 'src-server', 'src-renderer'].flatMap(sourceFiles).filter((f) => !f.startsWith(join('src-main', 'electron')));
    for (const file of files) expect(importsOf(file), file).not.toContain('electron');
  });

  it('the server does not import the client and the client does not import the server', () => {
    for (const file of sourceFiles('src-server')) for (const spec of importsOf(file)) expect(spec, file).not.toMatch(/src-(main|renderer)/);
    for (const file of [...sourceFiles('src-main'), ...sourceFiles('src-renderer')]) for (const spec of importsOf(file)) expect(spec, file).not.toMatch(/src-server/);
  });

  /** The layer a file belongs to, by its folder (DEVELOPERS.md). */
  const layerOf = (file: string): string | null => {
    const parts = file.split(sep);
    if (parts[0] === 'src-main') return `src-main/${parts[1] ?? ''}`;
    return parts[0] === 'src-shared' || parts[0] === 'src-server' || parts[0] === 'src-renderer' ? parts[0] : null;
  };
  /** Which layers each may import (imports point down only). */
  const allowed: Record<string, readonly string[]> = {
    'src-shared': ['src-shared'],
    'src-server': ['src-server', 'src-shared'],
    'src-main/core': ['src-main/core', 'src-shared'],
    'src-main/shell': ['src-main/shell', 'src-main/core', 'src-shared'],
    'src-main/electron': ['src-main/electron', 'src-main/core', 'src-shared'],
    'src-renderer': ['src-renderer', 'src-shared'],
  };

  it('every relative import points to its own layer or one below it', () => {
    const files = ['src-shared', 'src-server', 'src-main', 'src-renderer'].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const from = layerOf(file);
      if (from === null) continue;
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = layerOf(relative(root, resolve(root, dirname(file), spec)));
        if (target === null) continue;
        expect(allowed[from] ?? [], `${file} imports ${spec} (${target})`).toContain(target);
      }
    }
  });

  it('src-shared reaches no Node built-in, by any name', () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    for (const file of sourceFiles('src-shared')) {
      for (const spec of importsOf(file)) expect(builtins.has(spec), `${file} imports ${spec}`).toBe(false);
    }
  });
});
