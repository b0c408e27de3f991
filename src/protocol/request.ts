// The lifecycle protocol's vocabulary, one place for both sides of it: the actions, the request
// id (made and checked), the requesting_* fields of an agent's state file and their checks,
// and the request mail's subject and body (written by gt handoff, parsed by the daemon). Pure.
import { InternalError } from '../errors.js';
import { randomToken } from '../util/random.js';

export const LIFECYCLE_ACTIONS = ['cycle', 'restart', 'shutdown'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** The words a request body may use for an action (Gas Town's `stop` is a shutdown). */
const WORDS: Readonly<Record<string, LifecycleAction>> = {
  cycle: 'cycle',
  restart: 'restart',
  shutdown: 'shutdown',
  stop: 'shutdown',
};

export function actionOfWord(word: unknown): LifecycleAction | undefined {
  if (typeof word !== 'string') return undefined;
  return WORDS[word.trim().toLowerCase()];
}

// ---------------------------------------------------------------------------
// Request ids

/** What a request id may be: ours are `rq-` and 12 base-32 characters; others' any safe word. */
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `rq-${randomToken(12)}`;
}

export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_RE.test(value);
}

// ---------------------------------------------------------------------------
// The requesting_* fields of an agent's state file

export type RequestingKey = `requesting_${LifecycleAction}`;

/** The protocol's fields; a state file keeps every other field as it is. */
export interface RequestingFields {
  readonly [key: string]: unknown;
  readonly requesting_cycle?: boolean | null;
  readonly requesting_restart?: boolean | null;
  readonly requesting_shutdown?: boolean | null;
  readonly requesting_time?: string | null;
  readonly requesting_id?: string | null;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function requestingKey(action: LifecycleAction): RequestingKey {
  if (!(LIFECYCLE_ACTIONS as readonly string[]).includes(action))
    throw new InternalError(`not a lifecycle action: ${String(action)}`);
  return `requesting_${action}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Whether the agent is asking for `action`: `requesting_<action>` must be exactly `true`, and
 * a request that carries an id must carry the id the agent wrote last.
 */
export function verifyRequesting(
  state: RequestingFields,
  action: LifecycleAction,
  requestId?: string,
): Verdict {
  const key = requestingKey(action);
  const value = state[key];
  // null is absent: agents and tools that write the file may spell "not set" either way.
  if (value === undefined || value === null) return { ok: false, reason: `${key} is not set` };
  if (value !== true) return { ok: false, reason: `${key} is ${show(value)}, not true` };
  if (requestId !== undefined && state.requesting_id !== requestId) {
    const have = state.requesting_id;
    return {
      ok: false,
      reason:
        have === undefined || have === null
          ? `request ${show(requestId)} carries an id but the state has no requesting_id`
          : `request ${show(requestId)} is not the current one (requesting_id is ${show(have)})`,
    };
  }
  return { ok: true };
}

/** Every problem with the protocol's fields of a state object (a wrong non-null type). */
export function requestingProblems(state: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const action of LIFECYCLE_ACTIONS) {
    const key = requestingKey(action);
    if (state[key] != null && typeof state[key] !== 'boolean')
      problems.push(`${key} is ${show(state[key])}, expected true or false`);
  }
  for (const key of ['requesting_time', 'requesting_id']) {
    if (state[key] != null && typeof state[key] !== 'string')
      problems.push(`${key} is ${show(state[key])}, expected a string`);
  }
  return problems;
}

/** The state asking for `action` as request `requestId` at `now`; the latest request wins. */
export function withRequest<S extends RequestingFields>(
  state: S,
  action: LifecycleAction,
  requestId: string,
  now: Date,
): RequestingFields {
  if (!isRequestId(requestId)) throw new InternalError(`bad request id ${show(requestId)}`);
  if (Number.isNaN(now.getTime())) throw new InternalError('bad request time');
  // requesting_id and requesting_time belong to one action only, so an older request for
  // another action must not stay true without its id.
  const rest: Record<string, unknown> = { ...state };
  for (const other of LIFECYCLE_ACTIONS)
    if (rest[requestingKey(other)] === true) delete rest[requestingKey(other)];
  return {
    ...rest,
    [requestingKey(action)]: true,
    requesting_time: now.toISOString(),
    requesting_id: requestId,
  };
}

/** The state without the request's fields, or undefined when there is nothing (of ours) to clear. */
export function withoutRequest(
  state: RequestingFields,
  action: LifecycleAction,
  requestId?: string,
): { state: RequestingFields } | undefined {
  if (requestId !== undefined && state.requesting_id !== requestId) return undefined;
  const key = requestingKey(action);
  if (!(key in state) && !('requesting_time' in state) && !('requesting_id' in state))
    return undefined;
  const next: Record<string, unknown> = { ...state };
  delete next[key];
  delete next.requesting_time;
  delete next.requesting_id;
  return { state: next };
}

/**
 * A request sent before the agent's current ask cannot be that ask (the seed's P0). Both
 * times come from the agent's own machine: gt handoff stamps the state, then mails.
 */
export function predatesAsk(
  requestingTime: unknown,
  sentAt: number,
  skewMs = 0,
): string | undefined {
  if (typeof requestingTime !== 'string') return undefined;
  const askedAt = Date.parse(requestingTime);
  if (Number.isNaN(askedAt) || sentAt >= askedAt - skewMs) return undefined;
  return `sent ${new Date(sentAt).toISOString()}, before the agent's current request (${requestingTime})`;
}

// ---------------------------------------------------------------------------
// The request mail

export interface RequestBody {
  action: LifecycleAction;
  requestId?: string;
}

export function isLifecycleSubject(subject: string): boolean {
  return subject.trimStart().toLowerCase().startsWith('lifecycle:');
}

/** The mail gt handoff sends the deacon. */
export function requestMail(
  address: string,
  action: LifecycleAction,
  requestId: string,
  note?: string,
): { subject: string; body: string } {
  const body: Record<string, string> = { action, request_id: requestId };
  if (note !== undefined) body.note = note;
  return { subject: `LIFECYCLE: ${address} requesting ${action}`, body: JSON.stringify(body) };
}

/** The action and request id a body asks for: JSON, a plain word, or an `action: X` line. */
export function parseBody(body: string): RequestBody | { error: string } {
  const text = body.trim();
  if (text.startsWith('{')) return parseJsonBody(text);
  const plain = actionOfWord(text);
  if (plain !== undefined) return { action: plain };
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*action\s*:\s*([A-Za-z]+)\s*$/i.exec(line);
    if (match) {
      const action = actionOfWord(match[1]);
      return action !== undefined
        ? { action }
        : { error: `unknown action ${JSON.stringify(match[1])}` };
    }
  }
  return {
    error: `unparseable body ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`,
  };
}

function parseJsonBody(text: string): RequestBody | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'body looks like JSON but does not parse' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'JSON body is not an object' };
  const fields = parsed as Record<string, unknown>;
  const action = actionOfWord(fields.action);
  if (action === undefined)
    return { error: `unknown action ${JSON.stringify(fields.action) ?? 'missing'}` };
  const id = fields.request_id;
  if (id === undefined || id === null) return { action };
  if (!isRequestId(id)) return { error: 'request_id is not a valid id' };
  return { action, requestId: id };
}
