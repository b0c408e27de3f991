// The dashboard's HTTP server: the page, the JSON and server-sent events API, the actions and
// /metrics. Reading is open on loopback; every action needs the town's secret and a request
// from the page's own origin. Whoever runs it (gt dashboard, or a daemon) passes its parts in.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentContext } from '../agents/context.js';
import { daemonStatus } from '../status/daemon.js';
import type { TownStatus } from '../status/town.js';
import { townStatus } from '../status/town.js';
import { GtError, InputError, errorMessage } from '../errors.js';
import { isAction, runAction } from './actions.js';
import type { DetailSources } from './agent-detail.js';
import { agentDetail, resolveAgent, ScreenCache } from './agent-detail.js';
import { TownFeed } from './feed.js';
import {
  COOKIE,
  HttpError,
  crossSite,
  hostPort,
  isLoopback,
  loopbackHostHeader,
  presentedKey,
  readJsonBody,
  sendError,
  sendJson,
  sendText,
  toHttpError,
} from './http.js';
import { useLogin } from './login.js';
import { TownMetrics } from './metrics.js';
import { pageHtml } from './page.js';
import { cookieToken, keyPresented, loadSecret, secretMatches } from './secret.js';
import { serveEvents } from './sse.js';

export interface DashboardOptions extends AgentContext {
  daemonSocket: string;
  secret: string;
  /** How often the shared snapshot is read while someone watches (default 1 s). */
  refreshMs?: number;
  /** How often the store's events are tailed while someone watches (default 250 ms). */
  eventsMs?: number;
  /** Reads the town's status; default: townStatus over the parts given. */
  readStatus?: () => Promise<TownStatus>;
  onError?: (what: string, err: unknown) => void;
}

export interface Listening {
  url: string;
  port: number;
  host: string;
}

/** A request's route, named for the metrics. */
type Route = 'page' | 'status' | 'events' | 'agent' | 'metrics' | 'other';

function routeOf(path: string): Route {
  if (path === '/') return 'page';
  if (path === '/api/status') return 'status';
  if (path === '/api/events') return 'events';
  if (path === '/metrics') return 'metrics';
  return path.startsWith('/api/agents/') ? 'agent' : 'other';
}

/** Checks a --host: an IP address or localhost (a name would be looked up: refused). */
export function checkHost(host: string): string {
  if (host === 'localhost' || /^[0-9.]+$/.test(host) || /^[0-9a-fA-F:]+$/.test(host)) return host;
  throw new InputError('GT_BAD_HOST', `--host ${JSON.stringify(host)} is not an IP address`, {
    hint: 'give 127.0.0.1 (the default), ::1, or an address of this machine',
  });
}

/**
 * Who may ask at all: whoever presents the key (or visits with it). Agents' screens, mail
 * subjects and events are not for other users of this machine, so only the page itself and
 * /metrics (counts) are open on loopback. On loopback the server must be named by a loopback
 * name: a page whose name was pointed at 127.0.0.1 (DNS rebinding) is refused. Undefined:
 * admitted.
 */
export function admission(
  req: IncomingMessage,
  url: URL,
  bound: Listening | undefined,
  secret: string,
): HttpError | undefined {
  if (bound === undefined) return new HttpError(503, 'GT_NOT_READY', 'not listening yet');
  const loopback = isLoopback(bound.host);
  if (loopback && !loopbackHostHeader(req, bound.port, bound.host))
    return new HttpError(421, 'GT_BAD_HOST', 'this server answers only to its loopback address');
  const open = loopback && (url.pathname === '/' || url.pathname === '/metrics');
  const visiting =
    url.pathname === '/' && (url.searchParams.has('token') || url.searchParams.has('login'));
  if (open || visiting || keyPresented(secret, presentedKey(req))) return undefined;
  return new HttpError(403, 'GT_FORBIDDEN', 'open the URL gt dashboard printed (it holds the key)');
}

export class DashboardServer {
  readonly feed: TownFeed;
  readonly metrics: TownMetrics;
  private readonly server: Server;
  private bound: Listening | undefined;
  private readonly details: DetailSources;

  constructor(private readonly opts: DashboardOptions) {
    this.metrics = new TownMetrics(opts.root, opts.store);
    const screens = new ScreenCache(opts.host, opts.refreshMs ?? 1000);
    this.details = { root: opts.root, store: opts.store, screens };
    this.feed = new TownFeed({
      readStatus: opts.readStatus ?? (() => this.readStatus()),
      store: opts.store,
      refreshMs: opts.refreshMs ?? 1000,
      eventsMs: opts.eventsMs ?? 250,
      onEvents: (events) => this.metrics.seeEvents(events),
      onError: opts.onError,
    });
    this.server = createServer((req, res) => {
      // Nothing a request does may end the process (it may be the daemon's).
      this.handle(req, res).catch((err: unknown) => {
        this.opts.onError?.('request', err);
        if (!res.headersSent) sendError(res, toHttpError(err));
        else res.destroy();
      });
    });
  }

  private readStatus(): Promise<TownStatus> {
    const { root, store, host, settings } = this.opts;
    return townStatus({
      root,
      store,
      host,
      daemon: () => daemonStatus(root, settings.daemon.host),
      keepAlive: settings.daemon.keep_alive,
      prices: settings.prices,
    });
  }

  /** Binds `host:port` (port 0: any free one). */
  listen(port: number, host: string): Promise<Listening> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const actual = (this.server.address() as AddressInfo).port;
        this.bound = { host, port: actual, url: `http://${hostPort(host, actual)}/` };
        resolve(this.bound);
      });
    });
  }

  async close(): Promise<void> {
    this.feed.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      sendError(res, new HttpError(400, 'GT_BAD_REQUEST', 'the request line holds no valid path'));
      return;
    }
    const route = routeOf(url.pathname);
    res.on('finish', () => this.metrics.httpRequests.inc({ route, code: String(res.statusCode) }));
    try {
      this.admit(req, url);
      await this.serve(route, req, res, url);
    } catch (err) {
      const refusal = toHttpError(err);
      if (refusal.status >= 500) this.opts.onError?.(`${req.method} ${url.pathname}`, err);
      sendError(res, refusal);
    }
  }

  private admit(req: IncomingMessage, url: URL): void {
    const refusal = admission(req, url, this.bound, this.opts.secret);
    if (refusal !== undefined) throw refusal;
  }

  private async serve(
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    if (req.method === 'POST') {
      if (route !== 'agent') throw notFound();
      return this.act(req, res, url);
    }
    if (req.method !== 'GET')
      throw new HttpError(405, 'GT_BAD_METHOD', `${req.method ?? ''} is not served here`);
    switch (route) {
      case 'page':
        return this.page(req, res, url);
      case 'status':
        return sendText(
          res,
          200,
          'application/json; charset=utf-8',
          (await this.feed.status()).json,
        );
      case 'events':
        return serveEvents(req, res, url, {
          feed: this.feed,
          store: this.opts.store,
          onOpen: () => this.metrics.clients.set(this.feed.watchers),
          onClose: () => this.metrics.clients.set(this.feed.watchers),
        });
      case 'agent':
        return sendJson(res, 200, await agentDetail(this.details, this.feed, url));
      case 'metrics':
        return this.scrape(res);
      case 'other':
        throw notFound();
    }
  }

  private page(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const token = url.searchParams.get('token');
    const login = url.searchParams.get('login');
    if (token !== null || login !== null) {
      const admitted =
        token !== null
          ? secretMatches(this.opts.secret, token)
          : useLogin(this.opts.root, login ?? '');
      if (!admitted)
        throw new HttpError(403, 'GT_FORBIDDEN', 'that is not this town’s key or a live login');
      // The key moves into a cookie only this site's own requests carry, and out of the URL.
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${COOKIE}=${cookieToken(this.opts.secret)}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    res.setHeader(
      'content-security-policy',
      `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    );
    res.setHeader('x-frame-options', 'DENY');
    const canAct = keyPresented(this.opts.secret, presentedKey(req));
    sendText(res, 200, 'text/html; charset=utf-8', pageHtml(nonce, canAct));
  }

  private async act(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (crossSite(req))
      throw new HttpError(403, 'GT_CROSS_SITE', 'actions come only from the dashboard’s own page');
    if (!keyPresented(this.opts.secret, presentedKey(req)))
      throw new HttpError(403, 'GT_FORBIDDEN', 'actions need the town’s dashboard key');
    const rest = url.pathname.slice('/api/agents/'.length);
    const at = rest.lastIndexOf('/');
    const action = rest.slice(at + 1);
    if (at < 0 || !isAction(action)) throw notFound();
    const id = resolveAgent(this.opts.root, rest.slice(0, at));
    const body = await readJsonBody(req);
    sendJson(res, 200, await runAction(this.opts, id, action, body));
  }

  private async scrape(res: ServerResponse): Promise<void> {
    await this.feed.catchUp();
    const snapshot = await this.feed.status();
    this.metrics.see(snapshot.status, Date.now());
    await this.metrics.seeSpend(this.opts.settings.prices);
    this.metrics.reads.set(this.feed.reads);
    this.metrics.clients.set(this.feed.watchers);
    sendText(res, 200, this.metrics.contentType, await this.metrics.text());
  }
}

function notFound(): HttpError {
  return new HttpError(404, 'GT_NOT_FOUND', 'no such page or API route');
}

export interface OpenedDashboard {
  server: DashboardServer;
  bound: Listening;
  /** The page's URL with the town's key, as `gt dashboard` prints it. */
  url: string;
}

/**
 * The dashboard of a town, listening: the one call a host of it makes (`gt dashboard` now; a
 * daemon may make it with its own store and session host). Loads or makes the town's key.
 */
export async function openDashboard(
  parts: Omit<DashboardOptions, 'secret'>,
  port: number,
  host: string,
): Promise<OpenedDashboard> {
  checkHost(host);
  const secret = loadSecret(parts.root);
  const server = new DashboardServer({ ...parts, secret });
  try {
    const bound = await server.listen(port, host);
    return { server, bound, url: `${bound.url}?token=${secret}` };
  } catch (err) {
    await server.close();
    throw new GtError(
      'GT_DASHBOARD_LISTEN',
      `cannot listen on ${host}:${port}: ${errorMessage(err)}`,
      {
        hint: 'another program may hold the port: try --port 0',
      },
    );
  }
}
