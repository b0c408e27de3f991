// Where the pinned Claude Code's native binary is. npm installs it in a package for this
// platform; the wrapper package's bin/claude.exe is only a stub until its postinstall copies
// the binary over it, which a project that does not allow the wrapper's install script never
// runs. So the platform package comes first, and the stub never counts.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The stub that stands in for the binary is a few hundred bytes of shell. */
const STUB_MAX_BYTES = 64 * 1024;

function platformPackage(): string {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const musl = process.platform === 'linux' && report.header?.glibcVersionRuntime === undefined;
  return `@anthropic-ai/claude-code-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

function packageDir(name: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function isBinary(path: string): boolean {
  return existsSync(path) && statSync(path).size > STUB_MAX_BYTES;
}

/** The paths tried, best first. */
export function claudeCandidates(): string[] {
  const native = packageDir(platformPackage());
  const wrapper = packageDir('@anthropic-ai/claude-code');
  return [
    ...(native === undefined ? [] : [join(native, 'claude')]),
    ...(wrapper === undefined ? [] : [join(wrapper, 'bin', 'claude.exe')]),
  ];
}

/** The pinned Claude Code binary, or undefined when npm has not installed one. */
export function findClaudeBinary(): string | undefined {
  return claudeCandidates().find(isBinary);
}
