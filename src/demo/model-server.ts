// A scripted stand-in for the model APIs agent CLIs speak (dialects/: Anthropic Messages for
// Claude Code, more beside it): a CLI pointed at it runs offline, and each reply is chosen by
// the caller's queue, a directive in the prompt (SAY:, BASH:, ERR:, HANG, FULL, DELAY:) or a default.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { errorMessage, GtError, InputError, InternalError } from '../errors.js';
import { directiveOf, parseJson } from './model-wire.js';
import type { ScriptedAction } from './model-wire.js';
import { anthropic } from './dialects/anthropic.js';
import { gemini } from './dialects/gemini.js';
import { openaiChat } from './dialects/openai-chat.js';
import { openaiResponses } from './dialects/openai-responses.js';
import type { Dialect, Exchange as DialectExchange, Usage } from './dialects/dialect.js';
import { canAnswer, sendJson, usageOf } from './dialects/dialect.js';

export { directiveOf } from './model-wire.js';
export type { ScriptedAction } from './model-wire.js';
export type { Usage } from './dialects/dialect.js';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  body: unknown;
  main: boolean;
  lastUserText: string;
  text: string;
  /** What the reply said it spent; absent until a reply (not an error, not a hang) was written. */
  usage?: Usage;
}

export interface ModelServerOptions {
  /** 0 (the default) takes any free port. */
  port?: number;
}

export interface ModelServer {
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Actions answered in order to the next main requests, before directives and the default. */
  push(...actions: ScriptedAction[]): void;
  /** What a main request gets when nothing is queued and it carries no directive. */
  setDefault(action: ScriptedAction): void;
  /** Resolves with the first request (past or future) matching `pred`; rejects after timeoutMs. */
  waitForRequest(
    pred: (r: RecordedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedRequest>;
  /** Answers every hanging request with the default action (cut off if that is a hang too). */
  release(): void;
  close(): Promise<void>;
}

const MAX_RECORDED = 10_000;
const DEFAULT_RETRY_AFTER_S = 30;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Waiter {
  pred: (r: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
  reject: (err: Error) => void;
}

/** The APIs the server speaks, each with its own routes. */
const DIALECTS: readonly Dialect[] = [anthropic, openaiResponses, openaiChat, gemini];

/** One conversation request being answered; `count` is its main-request number. */
interface Exchange extends DialectExchange {
  count: number;
  dialect: Dialect;
  recorded: RecordedRequest;
}

class ScriptedModelServer implements ModelServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly queue: ScriptedAction[] = [];
  private readonly hanging = new Set<Exchange>();
  private readonly waiters = new Set<Waiter>();
  private readonly closing = new AbortController();
  private defaultAction: ScriptedAction | undefined;
  private exchanges = 0;
  private mains = 0;
  private boundPort = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (canAnswer(res)) sendJson(res, 500, { error: 'the scripted server failed' });
        else res.destroy();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  push(...actions: ScriptedAction[]): void {
    this.queue.push(...actions);
  }

  setDefault(action: ScriptedAction): void {
    this.defaultAction = action;
  }

  waitForRequest(
    pred: (r: RecordedRequest) => boolean,
    timeoutMs = 10_000,
  ): Promise<RecordedRequest> {
    try {
      const found = this.requests.find(pred);
      if (found !== undefined) return Promise.resolve(found);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(errorMessage(err)));
    }
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        pred,
        resolve: (r) => (settle(), resolve(r)),
        reject: (err) => (settle(), reject(err)),
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new GtError(
              'GT_WAIT_TIMEOUT',
              `model server: no matching request within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  release(): void {
    const hung = [...this.hanging];
    this.hanging.clear();
    for (const ex of hung) {
      const action = this.defaultFor(ex.count);
      if (action.kind === 'hang') ex.res.destroy();
      else this.act(ex, action).catch(() => ex.res.destroy());
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.hanging.clear();
    for (const waiter of [...this.waiters]) waiter.reject(new InternalError('model server closed'));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private defaultFor(count: number): ScriptedAction {
    return this.defaultAction ?? { kind: 'say', text: `Scripted reply #${count}.` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = parseJson(raw);
    const dialect = DIALECTS.find((d) => d.handles(method, path));
    const read = dialect?.read(method, path, body);
    const asks = {
      main: read?.main ?? false,
      lastUserText: read?.lastUserText ?? '',
      text: read?.text ?? '',
    };
    const recorded: RecordedRequest = { at, method, path, body, ...asks };
    this.record(recorded);
    if (dialect !== undefined) return this.converse(res, dialect, read, body, recorded);
    if (DIALECTS.some((d) => d.other?.(res, method, path, raw) === true)) return;
    sendJson(res, 200, {});
  }

  private record(request: RecordedRequest): void {
    this.requests.push(request);
    if (this.requests.length > MAX_RECORDED)
      this.requests.splice(0, this.requests.length - MAX_RECORDED);
    for (const waiter of [...this.waiters]) {
      try {
        if (waiter.pred(request)) waiter.resolve(request);
      } catch (err) {
        waiter.reject(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    }
  }

  private converse(
    res: ServerResponse,
    dialect: Dialect,
    read: ReturnType<Dialect['read']>,
    body: unknown,
    recorded: RecordedRequest,
  ): Promise<void> | void {
    const n = ++this.exchanges;
    const ex: Exchange = {
      res,
      n,
      count: 0,
      stream: read?.stream ?? false,
      model: read?.model ?? '',
      usage: usageOf(n, dialect.name),
      dialect,
      recorded,
    };
    if (read === undefined) return dialect.error(ex, 400);
    if (!read.main) {
      recorded.usage = ex.usage;
      return dialect.side(ex, body);
    }
    ex.count = ++this.mains;
    const fallback = this.defaultFor(ex.count);
    const action = this.queue.shift() ?? directiveOf(read.lastUserText, fallback) ?? fallback;
    return this.act(ex, action);
  }

  private async act(ex: Exchange, action: ScriptedAction): Promise<void> {
    switch (action.kind) {
      case 'say':
        ex.recorded.usage = ex.usage;
        return ex.dialect.reply(ex, { kind: 'text', text: action.text });
      case 'bash':
        ex.recorded.usage = ex.usage;
        return ex.dialect.reply(ex, { kind: 'shell', command: action.command });
      case 'error': {
        const retryAfter =
          action.retryAfter ?? (action.status === 429 ? DEFAULT_RETRY_AFTER_S : undefined);
        return ex.dialect.error(ex, action.status, retryAfter, action.message);
      }
      case 'hang':
        // Kept until release() or close(); a client that gives up drops out of the set.
        this.hanging.add(ex);
        ex.res.once('close', () => this.hanging.delete(ex));
        return;
      case 'delay':
        if (await this.pause(action.ms)) return this.act(ex, action.then);
        return;
      default: {
        const never: never = action;
        throw new InternalError(`model server: unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  /** Waits `ms`; false when the server closed meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing.signal });
      return true;
    } catch {
      return false;
    }
  }
}

export async function startModelServer(opts: ModelServerOptions = {}): Promise<ModelServer> {
  const server = new ScriptedModelServer();
  await server.listen(opts.port ?? 0);
  return server;
}

/** `node model-server.js [--port N]`: serves until SIGINT or SIGTERM. */
async function runAsProgram(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '0' } } });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535)
    throw new InputError(
      'GT_BAD_PORT',
      `--port wants a port number (0 for any free one), not "${values.port}"`,
    );
  const server = await startModelServer({ port });
  console.log(
    `model server (a stand-in for the Anthropic API, scripted) listening on ${server.url}`,
  );
  const stop = (): void => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// By file name rather than import.meta.url: a bundler may move this code into a shared chunk.
if (/^model-server\.[cm]?[jt]s$/.test(basename(process.argv[1] ?? ''))) {
  runAsProgram(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`model server: ${errorMessage(err)}`);
    process.exitCode = 1;
  });
}
