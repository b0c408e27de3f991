// The layers of src/ (README, "Layers"): a folder imports only folders below it, so there is
// no cycle between folders and no edge from a lower layer to a higher one. Also: an agent's
// record is written only through the named transitions of agents/record.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Rank of each folder of src/ ('root' is src/*.ts); a folder may import only lower ranks. */
const LAYERS: Readonly<Record<string, number>> = {
  util: 0,
  root: 1,
  town: 2,
  store: 3,
  sessions: 3,
  state: 3,
  workspace: 3,
  mail: 4,
  agents: 5,
  setup: 5,
  lifecycle: 6,
  daemon: 7,
  status: 8,
  dashboard: 9,
  cli: 10,
  demo: 11,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? (parts[0] ?? 'root') : 'root';
}

/** Relative imports of a file, static and dynamic, type-only ones included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1] ?? '');
  return specs.map((spec) => normalize(join(dirname(file), spec)));
}

interface Edge {
  from: string;
  to: string;
  file: string;
}

function folderEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    importsOf(file)
      .map((target) => ({ from: folderOf(file), to: folderOf(target), file: relative(SRC, file) }))
      .filter((e) => e.from !== e.to),
  );
}

describe('layers of src/', () => {
  it('every folder has a place in the layer map', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => LAYERS[f] === undefined)).toEqual([]);
  });

  it('no folder imports one at its own layer or above', () => {
    const upward = folderEdges()
      .filter((e) => (LAYERS[e.to] ?? 99) >= (LAYERS[e.from] ?? -1))
      .map((e) => `${e.file}: ${e.from} → ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('the checker sees an upward edge when there is one', () => {
    // Guards the regex above: a known downward edge is found, so an upward one would be too.
    const edges = folderEdges();
    expect(edges.some((e) => e.from === 'cli' && e.to === 'daemon')).toBe(true);
    expect(edges.some((e) => e.from === 'lifecycle' && e.to === 'agents')).toBe(true);
  });

  it('agent records change only through agents/record.ts', () => {
    const writers = sourceFiles(SRC)
      .filter((f) => !relative(SRC, f).startsWith('store/'))
      .filter((f) => relative(SRC, f) !== 'agents/record.ts')
      .filter((f) => /\.patchAgent\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual([]);
  });
});
