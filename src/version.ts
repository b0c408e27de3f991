// The version `gt --version` prints; kept in step with package.json by a test.
export const GT_VERSION = '0.1.0';

/**
 * The build this gt runs from: the id of its bundle (a hash of its code, dist/gt-main.cjs's
 * first line), set by the launcher; "source" when it runs from the sources (tests).
 */
export function gtBuild(): string {
  return (globalThis as { __gtBuildId?: string }).__gtBuildId ?? 'source';
}
