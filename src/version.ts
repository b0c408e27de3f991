// The version `gt --version` prints; kept in step with package.json by a test.
export const GT_VERSION = '0.1.0';
