// Not spoken yet: a placeholder the dialect's implementation replaces.
import type { Dialect } from './dialect.js';
import { sendJson } from './dialect.js';

export const gemini: Dialect = {
  name: 'gemini',
  handles: () => false,
  read: () => undefined,
  side: (ex) => sendJson(ex.res, 501, {}),
  reply: (ex) => sendJson(ex.res, 501, {}),
  error: (ex, status) => sendJson(ex.res, status, {}),
};
