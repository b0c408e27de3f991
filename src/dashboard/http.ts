// Small HTTP pieces of the dashboard: reading a bounded JSON body, answering with JSON or an
// error, cookies, and the checks of where a request comes from (Host, Origin).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { GtError, HttpError } from '../errors.js';

export const MAX_BODY_BYTES = 40 * 1024;
export const COOKIE = 'gt_dashboard';

export { HttpError };

/** The HTTP status of an error a user can meet: bad input 400, an unknown agent 404. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof GtError) {
    if (err.code === 'GT_UNKNOWN_ADDRESS' || err.code === 'GT_RIG_NOT_FOUND')
      return new HttpError(404, err.code, err.message);
    if (err.code === 'GT_BODY_TOO_LONG') return new HttpError(413, err.code, err.message);
    if (err.exitCode === 2) return new HttpError(400, err.code, err.message);
    return new HttpError(500, err.code, err.message);
  }
  return new HttpError(500, 'GT_INTERNAL', err instanceof Error ? err.message : String(err));
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

export function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { code: err.code, message: err.message } });
}

export function commonHeaders(): Record<string, string> {
  return { ...COMMON_HEADERS };
}

/** The JSON body of a POST: application/json, at most MAX_BODY_BYTES, else a 4xx. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, 'GT_BAD_CONTENT_TYPE', 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'GT_BAD_BODY', 'the body is not valid JSON');
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, 'GT_BODY_TOO_LONG', `the body is over ${MAX_BODY_BYTES} bytes`);
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The key a request presents: Authorization: Bearer or X-GT-Token, else the cookie. */
export function presentedKey(
  req: IncomingMessage,
): { value: string; by: 'header' | 'cookie' } | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined && /^Bearer\s+/i.test(auth))
    return { value: auth.replace(/^Bearer\s+/i, ''), by: 'header' };
  const header = req.headers['x-gt-token'];
  if (typeof header === 'string') return { value: header, by: 'header' };
  const cookie = cookieValue(req, COOKIE);
  return cookie === undefined ? undefined : { value: cookie, by: 'cookie' };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** host:port as a URL holds it (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * Whether the Host header names this server by a loopback name: a page on another site whose
 * name was pointed at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 */
export function loopbackHostHeader(req: IncomingMessage, port: number, bound?: string): boolean {
  const host = req.headers.host ?? '';
  const names = ['127.0.0.1', 'localhost', '::1', ...(bound === undefined ? [] : [bound])];
  return names.some((h) => host === hostPort(h, port));
}

/** A cross-site POST: an Origin that is not this server's own, or a browser saying so. */
export function crossSite(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return true;
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}
