// Who may ask the dashboard anything at all, decided from the request alone: a table.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Listening } from '../../src/dashboard/server.js';
import { admission } from '../../src/dashboard/server.js';
import { cookieToken } from '../../src/dashboard/secret.js';

const KEY = 'k'.repeat(43);

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

function bound(host: string): Listening {
  return { host, port: 7420, url: `http://${host}:7420/` };
}

describe('admission', () => {
  const cases: Array<
    [string, Listening | undefined, string, Record<string, string>, number | undefined]
  > = [
    ['loopback, the page', bound('127.0.0.1'), '/', { host: '127.0.0.1:7420' }, undefined],
    ['loopback, /metrics', bound('127.0.0.1'), '/metrics', { host: '127.0.0.1:7420' }, undefined],
    [
      'loopback, the town without the key (agents’ screens are not for other users)',
      bound('127.0.0.1'),
      '/api/status',
      { host: '127.0.0.1:7420' },
      403,
    ],
    [
      'loopback, the town with the key',
      bound('127.0.0.1'),
      '/api/events',
      { host: '127.0.0.1:7420', 'x-gt-token': KEY },
      undefined,
    ],
    [
      'loopback, the key itself as a cookie (only the derived token is one)',
      bound('127.0.0.1'),
      '/api/status',
      { host: '127.0.0.1:7420', cookie: `gt_dashboard=${KEY}` },
      403,
    ],
    [
      'loopback, named by another 127/8 address it is bound to',
      bound('127.0.0.2'),
      '/',
      { host: '127.0.0.2:7420' },
      undefined,
    ],
    ['loopback, named localhost', bound('127.0.0.1'), '/', { host: 'localhost:7420' }, undefined],
    ['loopback, named [::1]', bound('::1'), '/', { host: '[::1]:7420' }, undefined],
    [
      'loopback, another name (rebinding)',
      bound('127.0.0.1'),
      '/api/status',
      { host: 'evil.example:7420' },
      421,
    ],
    ['loopback, another port', bound('127.0.0.1'), '/', { host: '127.0.0.1:80' }, 421],
    ['loopback, no Host', bound('127.0.0.1'), '/', {}, 421],
    ['beyond loopback, no key', bound('192.0.2.7'), '/api/status', { host: '192.0.2.7:7420' }, 403],
    ['beyond loopback, wrong key', bound('192.0.2.7'), '/metrics', { 'x-gt-token': 'nope' }, 403],
    [
      'beyond loopback, the key',
      bound('192.0.2.7'),
      '/api/status',
      { authorization: `Bearer ${KEY}` },
      undefined,
    ],
    [
      'beyond loopback, the cookie',
      bound('192.0.2.7'),
      '/',
      { cookie: `a=b; gt_dashboard=${cookieToken(KEY)}` },
      undefined,
    ],
    ['beyond loopback, visiting with ?token=', bound('192.0.2.7'), `/?token=x`, {}, undefined],
    ['not listening yet', undefined, '/', { host: '127.0.0.1:7420' }, 503],
  ];
  for (const [what, where, path, headers, status] of cases)
    it(what, () => {
      const url = new URL(path, 'http://dashboard.invalid');
      expect(admission(request(headers), url, where, KEY)?.status).toBe(status);
    });
});
