// Every runtime against the screens recorded from its CLI: each folder
// test/fixtures/<name>-<recordedVersion> holds the screens and expected.json, what each one reads
// as and the failure it shows, plus variants (a screen edited as a new CLI version might draw it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Failure } from '../../src/agents/failures/classify.js';
import { RUNTIMES } from '../../src/agents/runtime/index.js';
import type { RuntimeProfile, ScreenReading } from '../../src/agents/runtime/profile.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

interface Expected {
  screens: Record<string, { about: string; reading: ScreenReading; failure: Failure | null }>;
  variants: Array<{
    about: string;
    screen: string;
    /** Each line's first `from` replaced by `to`, pair after pair. */
    replace?: Array<[from: string, to: string]>;
    /** Only the screen's first lines: a frame still being drawn. */
    firstLines?: number;
    reading: ScreenReading;
  }>;
}

/** A folder of recorded screens: a runtime's name, a dash, then the version it was recorded from. */
const RECORDING = /^[a-z][a-z0-9-]*-\d/;
const folders = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && RECORDING.test(e.name))
  .map((e) => e.name)
  .sort();

const folderOf = (p: RuntimeProfile): string => `${p.name}-${p.recordedVersion}`;

function profileFor(folder: string): RuntimeProfile {
  const profile = RUNTIMES.find((p) => p.recordedVersion !== null && folderOf(p) === folder);
  if (profile === undefined)
    throw new Error(`${folder}: no runtime is recorded from it (name-recordedVersion)`);
  return profile;
}

const screenFiles = (folder: string): string[] =>
  readdirSync(join(FIXTURES, folder))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();

const screen = (folder: string, name: string): string[] =>
  readFileSync(join(FIXTURES, folder, `${name}.txt`), 'utf8').split('\n');

const expectedOf = (folder: string): Expected =>
  JSON.parse(readFileSync(join(FIXTURES, folder, 'expected.json'), 'utf8')) as Expected;

describe('recorded runtimes', () => {
  it('every runtime with a recorded version has its folder of screens', () => {
    const recorded = RUNTIMES.filter((p) => p.recordedVersion !== null).map(folderOf);
    expect(folders).toEqual(expect.arrayContaining(recorded));
    for (const folder of folders) expect(() => profileFor(folder)).not.toThrow();
  });

  const readers = RUNTIMES.filter((p) => p.capabilities.screen).map((p) => [p.name, p] as const);
  it.each(readers)('%s reads a blank pane as starting', (_name, profile) => {
    expect(profile.read(['', '', ''])).toEqual({ activity: 'starting' });
    expect(profile.read(Array<string>(50).fill(''))).toEqual({ activity: 'starting' });
  });
});

describe.each(folders)('%s', (folder) => {
  const expected = expectedOf(folder);

  it('has an expectation for every screen, and a screen for every expectation', () => {
    expect(Object.keys(expected.screens).sort()).toEqual(screenFiles(folder));
    for (const v of expected.variants) expect(screenFiles(folder)).toContain(v.screen);
  });

  const screens = Object.entries(expected.screens).map(([name, e]) => [name, e.about, e] as const);
  it.each(screens)('%s: %s', (name, _about, { reading, failure }) => {
    const profile = profileFor(folder);
    const lines = screen(folder, name);
    expect(profile.read(lines)).toEqual(reading);
    expect(profile.classify(lines) ?? null).toEqual(failure);
  });

  const variants = expected.variants.map((v) => [v.screen, v.about, v] as const);
  it.each(variants)('%s, edited: %s', (_screen, _about, variant) => {
    let lines = screen(folder, variant.screen);
    for (const [from, to] of variant.replace ?? []) lines = lines.map((l) => l.replace(from, to));
    if (variant.firstLines !== undefined) lines = lines.slice(0, variant.firstLines);
    expect(profileFor(folder).read(lines)).toEqual(variant.reading);
  });
});
