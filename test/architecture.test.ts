// The architecture of README's "Layers" as checks: each folder of src/ imports only the folders
// its row lists; bench/ and scripts/ build on src/, and src/ on neither of them nor on test/;
// an agent's record is written only through the named transitions of agents/record.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Each name on the left may import the names listed on the right (besides itself). */
type Table = ReadonlyMap<string, readonly string[]>;

function table(rows: Readonly<Record<string, string>>): Table {
  return new Map(
    Object.entries(rows).map(([name, may]) => [name, may.split(/\s+/).filter(Boolean)]),
  );
}

/**
 * The folders of src/ and what each may import (README, "Layers"). 'root' is the files directly
 * in src/ (errors.ts, version.ts); a sub-folder belongs to its folder (agents/runtime/ is
 * `agents`). A row may name a folder that has no files yet.
 */
const LAYERS = table({
  root: '',
  util: 'root',
  town: 'util root',
  store: 'util root town',
  sessions: 'util root town',
  state: 'util root town protocol',
  workspace: 'util root',
  protocol: 'util root town',
  mail: 'util root town store',
  notify: 'util root town store',
  spend: 'util root town store',
  agents: 'util root town store sessions state workspace protocol mail notify spend',
  setup: 'util root town store workspace',
  lifecycle: 'util root town store sessions state workspace protocol mail notify spend agents',
  daemon:
    'util root town store sessions state workspace protocol mail notify spend agents lifecycle',
  status:
    'util root town store sessions state workspace protocol mail notify spend agents lifecycle daemon',
  dashboard:
    'util root town store sessions state workspace protocol mail notify spend agents lifecycle daemon status',
  cli: 'util root town store sessions state workspace protocol mail notify spend agents setup lifecycle daemon status dashboard',
  demo: 'util root town store sessions state workspace protocol mail notify spend agents setup lifecycle daemon status dashboard cli',
});

/**
 * The folders of the repository whose code is checked, and what each may import besides
 * itself: src/ nothing outside src/ (no bench/, scripts/ or test/); test/ and scripts/ any of
 * src/; bench/ any of src/ and the tests' helpers.
 */
const TOP_LEVEL = table({
  src: '',
  test: 'src',
  // The benches start PostgreSQL clusters with the tests' helper.
  bench: 'src test',
  scripts: 'src',
});

const CODE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? codeFiles(join(dir, e.name)) : CODE.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function checkedFiles(): string[] {
  return [...TOP_LEVEL.keys()].flatMap((top) => codeFiles(join(ROOT, top)));
}

/** Where a path sits: its top folder in the repository and, in src/, its folder of the table. */
interface Place {
  top: string;
  folder: string;
}

function placeOf(path: string): Place {
  const parts = relative(ROOT, path).split(sep);
  const top = parts.length > 1 ? (parts[0] ?? '.') : '.';
  if (top !== 'src') return { top, folder: top };
  return { top, folder: parts.length > 2 ? (parts[1] ?? 'root') : 'root' };
}

/** One import of a file; `specifier` is undefined when the module is not named by a literal. */
interface ImportRef {
  line: number;
  specifier: string | undefined;
}

/** `pathToFileURL(…).href`: the URL of a file written at run time. */
function isFileUrl(arg: ts.Node | undefined, source: ts.SourceFile): boolean {
  return arg !== undefined && /^pathToFileURL\(.*\)\.href$/s.test(arg.getText(source));
}

/**
 * Every import of a source text, found by the TypeScript parser (so .mjs too): import and
 * export … from, side-effect and type-only imports, `import x = require()`, `import('…')` calls
 * and `typeof import('…')` types.
 */
function importsIn(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest);
  const found: ImportRef[] = [];
  const add = (node: ts.Node, name: ts.Node | undefined): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ line, specifier: name && ts.isStringLiteralLike(name) ? name.text : undefined });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier) add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref)) add(node, ref.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      // A file URL made at run time names a file the code wrote (a hook script a test loads as
      // its CLI would), never one of the project's modules.
      if (!isFileUrl(node.arguments[0], source)) add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node)) {
      add(node, ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface Edge {
  at: string;
  specifier: string;
  from: Place;
  to: Place;
}

/** The imports of checked files between places of ours (packages and node: are left out). */
function edges(): Edge[] {
  return checkedFiles().flatMap((file) =>
    importsIn(file, readFileSync(file, 'utf8')).flatMap(({ line, specifier }) =>
      specifier?.startsWith('.')
        ? [
            {
              at: `${relative(ROOT, file)}:${line}`,
              specifier,
              from: placeOf(file),
              to: placeOf(resolve(dirname(file), specifier)),
            },
          ]
        : [],
    ),
  );
}

function describeEdge(e: Edge): string {
  return `${e.at}: ${e.from.folder} → ${e.to.folder} ('${e.specifier}')`;
}

/** A cycle among the table's rows as the names along it, or [] when there is none. */
function cycleIn(rows: Table): string[] {
  const done = new Set<string>();
  const walk = (name: string, path: readonly string[]): string[] => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return [];
    for (const next of rows.get(name) ?? []) {
      const cycle = walk(next, [...path, name]);
      if (cycle.length > 0) return cycle;
    }
    done.add(name);
    return [];
  };
  for (const name of rows.keys()) {
    const cycle = walk(name, []);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

/** Lines of a source text that call `patchAgent`, however the call is spelled. */
function patchAgentCalls(fileName: string, text: string): number[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest);
  const lines: number[] = [];
  const calleeName = (callee: ts.Expression): string | undefined => {
    if (ts.isIdentifier(callee)) return callee.text;
    if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
    if (ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression))
      return callee.argumentExpression.text;
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && calleeName(node.expression) === 'patchAgent')
      lines.push(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

describe('the import finder', () => {
  it('sees every form of import, with its line', () => {
    const text = [
      `import { a } from './named.js';`,
      `import "./double-quoted.js";`,
      `import './side-effect.js';`,
      `import type { T } from '../type-only.js';`,
      `export { b } from './re-export.js';`,
      `export type { U } from "./type-re-export.js";`,
      `export * from './star.js';`,
      `import legacy = require('./import-equals.js');`,
      `const later = await import("./dynamic.js");`,
      'const templated = () => import(`./template.js`);',
      `type Q = typeof import('./type-query.js');`,
      `const computed = () => import(name);`,
      `const written = () => import(pathToFileURL(join(dir, 'hook.mjs')).href);`,
      `export { a, later, legacy, templated };`,
    ].join('\n');
    expect(importsIn('sample.ts', text)).toEqual([
      { line: 1, specifier: './named.js' },
      { line: 2, specifier: './double-quoted.js' },
      { line: 3, specifier: './side-effect.js' },
      { line: 4, specifier: '../type-only.js' },
      { line: 5, specifier: './re-export.js' },
      { line: 6, specifier: './type-re-export.js' },
      { line: 7, specifier: './star.js' },
      { line: 8, specifier: './import-equals.js' },
      { line: 9, specifier: './dynamic.js' },
      { line: 10, specifier: './template.js' },
      { line: 11, specifier: './type-query.js' },
      { line: 12, specifier: undefined },
    ]);
  });

  it('reads .mjs files, and scripts/build.mjs is among the checked files', () => {
    const text = `import { build } from 'esbuild';\nawait import("../src/x.js");\n`;
    expect(importsIn('sample.mjs', text).map((i) => i.specifier)).toEqual([
      'esbuild',
      '../src/x.js',
    ]);
    expect(checkedFiles().map((f) => relative(ROOT, f))).toContain(join('scripts', 'build.mjs'));
  });

  it('places a file in its folder of src/, sub-folders included', () => {
    expect(placeOf(join(ROOT, 'src/errors.ts'))).toEqual({ top: 'src', folder: 'root' });
    expect(placeOf(join(ROOT, 'src/agents/nudges/deliver.ts'))).toEqual({
      top: 'src',
      folder: 'agents',
    });
    expect(placeOf(join(ROOT, 'test/helpers/temp.ts'))).toEqual({ top: 'test', folder: 'test' });
  });
});

describe('layers', () => {
  it('every folder of src/ has a row in the table', () => {
    const folders = new Set(codeFiles(join(ROOT, 'src')).map((f) => placeOf(f).folder));
    expect([...folders].filter((f) => !LAYERS.has(f))).toEqual([]);
  });

  it('the tables name only their own rows and have no cycle', () => {
    for (const rows of [LAYERS, TOP_LEVEL]) {
      const named = [...rows.values()].flat();
      expect(named.filter((name) => !rows.has(name))).toEqual([]);
      expect(cycleIn(rows)).toEqual([]);
    }
    // The cycle finder can fail.
    expect(cycleIn(table({ a: 'b', b: 'c', c: 'a' }))).toEqual(['a', 'b', 'c', 'a']);
  });

  it('no folder of src/ imports one its row does not list', () => {
    const wrong = edges()
      .filter((e) => e.from.top === 'src' && e.to.top === 'src' && e.from.folder !== e.to.folder)
      .filter((e) => !(LAYERS.get(e.from.folder) ?? []).includes(e.to.folder))
      .map(describeEdge);
    expect(wrong).toEqual([]);
  });

  it('src/ imports nothing outside it; test/, bench/ and scripts/ only what their rows list', () => {
    const wrong = edges()
      .filter((e) => e.from.top !== e.to.top)
      .filter((e) => !(TOP_LEVEL.get(e.from.top) ?? []).includes(e.to.top))
      .map(describeEdge);
    expect(wrong).toEqual([]);
  });

  it('every import of checked code names its module literally, so it can be checked', () => {
    const unnamed = checkedFiles().flatMap((file) =>
      importsIn(file, readFileSync(file, 'utf8'))
        .filter((i) => i.specifier === undefined)
        .map((i) => `${relative(ROOT, file)}:${i.line}`),
    );
    expect(unnamed).toEqual([]);
  });

  it('the checker sees the edges the tree is known to have', () => {
    // The finder against the real tree: edges known to exist are found, so a wrong one would be.
    const found = edges();
    const has = (from: string, to: string): boolean =>
      found.some((e) => e.from.folder === from && (e.to.folder === to || e.to.top === to));
    expect(has('cli', 'daemon')).toBe(true);
    expect(has('lifecycle', 'agents')).toBe(true);
    expect(has('bench', 'src')).toBe(true);
    expect(has('scripts', 'src')).toBe(true);
  });
});

describe('agent records', () => {
  it('the patchAgent finder sees a call however it is spelled', () => {
    const text = [
      `await store.patchAgent(a, {});`,
      `await ctx.store['patchAgent'](a, {});`,
      `const { patchAgent } = store; await patchAgent(a, {});`,
      `await store.patchAgents(a);`,
    ].join('\n');
    expect(patchAgentCalls('sample.ts', text)).toEqual([1, 2, 3]);
  });

  it('change only through agents/record.ts', () => {
    const src = join(ROOT, 'src');
    const writers = codeFiles(src)
      .map((f) => relative(src, f))
      .filter((f) => !f.startsWith(`store${sep}`) && f !== join('agents', 'record.ts'))
      .flatMap((f) =>
        patchAgentCalls(f, readFileSync(join(src, f), 'utf8')).map((line) => `src/${f}:${line}`),
      );
    expect(writers).toEqual([]);
  });
});

/** Lines where `text` throws (or rejects with) a plain JavaScript error, not one of ours. */
function plainErrorThrows(fileName: string, text: string): number[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest);
  const PLAIN = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError']);
  const plainNew = (node: ts.Node | undefined): boolean =>
    node !== undefined &&
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    PLAIN.has(node.expression.text);
  const lines: number[] = [];
  const visit = (node: ts.Node): void => {
    const rejects =
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      /^reject$/.test(node.expression.text) &&
      plainNew(node.arguments[0]);
    if ((ts.isThrowStatement(node) && plainNew(node.expression)) || rejects)
      lines.push(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

describe('errors', () => {
  it('the finder sees a plain error thrown or rejected with, not one of ours', () => {
    const text = [
      `throw new Error('x');`,
      `throw new InternalError('y');`,
      `return new Promise((_, reject) => reject(new RangeError('z')));`,
      `const e = err instanceof Error ? err : new Error(String(err));`,
    ].join('\n');
    expect(plainErrorThrows('sample.ts', text)).toEqual([1, 3]);
  });

  it('every error src/ throws is one of the project’s classes (a code and a message)', () => {
    const src = join(ROOT, 'src');
    // The dashboard's page script runs in the browser: its errors never reach gt.
    const browser = join('dashboard', 'page-script.ts');
    const plain = codeFiles(src)
      .map((f) => relative(src, f))
      .filter((f) => f !== browser)
      .flatMap((f) =>
        plainErrorThrows(f, readFileSync(join(src, f), 'utf8')).map((line) => `src/${f}:${line}`),
      );
    expect(plain).toEqual([]);
  });
});
