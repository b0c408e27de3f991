// The one module that parses and formats agent identities. No other code splits
// or joins addresses, session names, state-file paths or work dirs.
import { join } from 'node:path';
import { BadIdentityError, InternalError } from '../errors.js';

export const ROLES = ['mayor', 'deacon', 'witness', 'refinery', 'crew'] as const;
export type Role = (typeof ROLES)[number];

export type Identity =
  | { readonly role: 'mayor' }
  | { readonly role: 'deacon' }
  | { readonly role: 'witness'; readonly rig: string }
  | { readonly role: 'refinery'; readonly rig: string }
  | { readonly role: 'crew'; readonly rig: string; readonly name: string };

export const MAX_NAME_LENGTH = 40;
const NAME_RE = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;
const SESSION_PREFIX = 'gt-';

/** Why `name` is not a valid rig or crew name, or undefined when it is. */
export function nameProblem(kind: 'rig' | 'crew', name: string): string | undefined {
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  if (name.length === 0) return `${kind} name is empty`;
  if (name.length > MAX_NAME_LENGTH) {
    return `${kind} name ${shown} is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`;
  }
  if (!NAME_RE.test(name)) {
    return `${kind} name ${shown} may hold only lower-case letters, digits, '_' and single inner '-'`;
  }
  if ((ROLES as readonly string[]).includes(name)) return `${kind} name ${shown} is a role word`;
  if (kind === 'rig') {
    // These would make the dash forms (<rig>-crew-<name>, <rig>-witness) ambiguous.
    if (name.includes('-crew-') || name.endsWith('-crew')) {
      return `rig name ${shown} may not contain '-crew-' or end in '-crew'`;
    }
    if (name.endsWith('-witness') || name.endsWith('-refinery')) {
      return `rig name ${shown} may not end in '-witness' or '-refinery'`;
    }
  }
  return undefined;
}

export function validateName(kind: 'rig' | 'crew', name: string): string {
  const problem = nameProblem(kind, name);
  if (problem !== undefined) throw new BadIdentityError(problem);
  return name;
}

function build(text: string, id: Identity): Identity {
  try {
    if (id.role === 'witness' || id.role === 'refinery' || id.role === 'crew')
      validateName('rig', id.rig);
    if (id.role === 'crew') validateName('crew', id.name);
  } catch (err) {
    if (err instanceof BadIdentityError) {
      throw new BadIdentityError(`invalid address ${quote(text)}: ${err.message}`);
    }
    throw err;
  }
  return id;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * Parses every accepted form of an address: canonical slash forms
 * (`mayor`, `deacon`, `<rig>/witness`, `<rig>/refinery`, `<rig>/crew/<name>`),
 * with an optional trailing slash, and the seed's dash forms
 * (`<rig>-witness`, `<rig>-refinery`, `<rig>-crew-<name>`).
 */
export function parseIdentity(text: string): Identity {
  if (typeof text !== 'string' || text.length === 0) throw new BadIdentityError('empty address');
  if (text.length > 200) throw new BadIdentityError(`invalid address ${quote(text)}: too long`);
  const trimmed = text.endsWith('/') ? text.slice(0, -1) : text;
  if (trimmed === 'mayor') return { role: 'mayor' };
  if (trimmed === 'deacon') return { role: 'deacon' };
  if (trimmed.includes('/')) return parseSlashForm(text, trimmed.split('/'));
  if (text !== trimmed) throw new BadIdentityError(`unknown address ${quote(text)}`);
  return parseDashForm(text);
}

function parseSlashForm(text: string, parts: string[]): Identity {
  const [rig = '', role = '', name] = parts;
  if (parts.length === 2 && role === 'witness') return build(text, { role: 'witness', rig });
  if (parts.length === 2 && role === 'refinery') return build(text, { role: 'refinery', rig });
  if (parts.length === 3 && role === 'crew')
    return build(text, { role: 'crew', rig, name: name ?? '' });
  // Gas Town's short form of a crew member: <rig>/<name>. No crew name is a role word, so
  // it cannot be mistaken for another agent.
  if (parts.length === 2 && !(ROLES as readonly string[]).includes(role))
    return build(text, { role: 'crew', rig, name: role });
  throw new BadIdentityError(`unknown address ${quote(text)}`);
}

function parseDashForm(text: string): Identity {
  // A rig name can hold neither '-crew-' nor a trailing '-crew', so the first
  // '-crew-' splits rig from crew name unambiguously.
  const at = text.indexOf('-crew-');
  if (at >= 0)
    return build(text, { role: 'crew', rig: text.slice(0, at), name: text.slice(at + 6) });
  if (text.endsWith('-witness')) return build(text, { role: 'witness', rig: text.slice(0, -8) });
  if (text.endsWith('-refinery')) return build(text, { role: 'refinery', rig: text.slice(0, -9) });
  throw new BadIdentityError(`unknown address ${quote(text)}`);
}

/** The canonical address: `mayor`, `deacon`, `<rig>/witness`, `<rig>/refinery`, `<rig>/crew/<name>`. */
declare const ADDRESS: unique symbol;

/**
 * A canonical agent address (`mayor`, `alpha/witness`, `alpha/crew/max`). Only formatAddress
 * and canonicalAddress make one, so a raw string cannot stand in where an address is expected.
 */
export type Address = string & { readonly [ADDRESS]: true };

export function formatAddress(id: Identity): Address {
  return addressText(id) as Address;
}

function addressText(id: Identity): string {
  switch (id.role) {
    case 'mayor':
    case 'deacon':
      return id.role;
    case 'witness':
    case 'refinery':
      return `${id.rig}/${id.role}`;
    case 'crew':
      return `${id.rig}/crew/${id.name}`;
    default:
      return assertNever(id);
  }
}

/** Canonical form of any accepted address text. */
export function canonicalAddress(text: string): Address {
  return formatAddress(parseIdentity(text));
}

/** Where an agent lives in its town: its address, tmux session and work dir, computed once. */
export interface AgentPlace {
  readonly id: Identity;
  readonly address: Address;
  readonly session: string;
  readonly workDir: string;
}

export function placeOf(townRoot: string, id: Identity): AgentPlace {
  return {
    id,
    address: formatAddress(id),
    session: sessionName(id),
    workDir: workDirPath(townRoot, id),
  };
}

/** The seed's dash identity: `mayor`, `<rig>-witness`, `<rig>-crew-<name>`. */
export function formatDashIdentity(id: Identity): string {
  switch (id.role) {
    case 'mayor':
    case 'deacon':
      return id.role;
    case 'witness':
    case 'refinery':
      return `${id.rig}-${id.role}`;
    case 'crew':
      return `${id.rig}-crew-${id.name}`;
    default:
      return assertNever(id);
  }
}

export function sessionName(id: Identity): string {
  return SESSION_PREFIX + formatDashIdentity(id);
}

/** The identity behind a tmux session name, or undefined for sessions that are not ours. */
export function identityFromSession(session: string): Identity | undefined {
  if (!session.startsWith(SESSION_PREFIX)) return undefined;
  try {
    const id = parseIdentity(session.slice(SESSION_PREFIX.length));
    return sessionName(id) === session ? id : undefined;
  } catch {
    return undefined;
  }
}

/** BD_ACTOR and GT_ROLE carry the canonical address. */
export function bdActor(id: Identity): string {
  return formatAddress(id);
}

export function rigOf(id: Identity): string | undefined {
  return id.role === 'mayor' || id.role === 'deacon' ? undefined : id.rig;
}

/** The agent's state file, relative to the town root. */
export function stateFileRel(id: Identity): string {
  switch (id.role) {
    case 'mayor':
      return join('mayor', 'state.json');
    case 'deacon':
      return join('deacon', 'state.json');
    case 'witness':
      return join(id.rig, 'witness', 'state.json');
    case 'refinery':
      return join(id.rig, 'refinery', 'state.json');
    case 'crew':
      return join(id.rig, 'crew', id.name, 'state.json');
    default:
      return assertNever(id);
  }
}

/** The agent's working directory, relative to the town root ('' for the root itself). */
export function workDirRel(id: Identity): string {
  switch (id.role) {
    case 'mayor':
      return '';
    case 'deacon':
      return 'deacon';
    case 'witness':
      return join(id.rig, 'witness');
    case 'refinery':
      return join(id.rig, 'refinery', 'rig');
    case 'crew':
      return join(id.rig, 'crew', id.name);
    default:
      return assertNever(id);
  }
}

export function stateFilePath(townRoot: string, id: Identity): string {
  return join(townRoot, stateFileRel(id));
}

export function workDirPath(townRoot: string, id: Identity): string {
  return join(townRoot, workDirRel(id));
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return formatAddress(a) === formatAddress(b);
}

export function assertNever(value: never): never {
  throw new InternalError(`unexpected value: ${JSON.stringify(value)}`);
}

/**
 * Why `pattern` is not an address or address pattern, or undefined when it is.
 * A pattern is a canonical slash address in which `*` stands for a whole rig or
 * crew name: `*\/witness`, `alpha/crew/*`, `*\/crew/*`.
 */
export function addressPatternProblem(pattern: string): string | undefined {
  if (!pattern.includes('*')) {
    try {
      parseIdentity(pattern);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
  const probe = pattern
    .split('/')
    .map((part) => (part === '*' ? 'x' : part))
    .join('/');
  if (probe.includes('*')) return `pattern ${quote(pattern)}: '*' must stand for a whole name`;
  try {
    const id = parseIdentity(probe);
    const canonical =
      formatAddress(id).split('/').length === probe.replace(/\/$/, '').split('/').length;
    return probe.includes('/') && canonical
      ? undefined
      : `pattern ${quote(pattern)} must use the canonical slash form (*/witness, alpha/crew/*)`;
  } catch (err) {
    return (err as Error).message;
  }
}

export function matchesAddressPattern(pattern: string, id: Identity): boolean {
  if (!pattern.includes('*')) {
    try {
      return canonicalAddress(pattern) === formatAddress(id);
    } catch {
      return false;
    }
  }
  const want = pattern.replace(/\/$/, '').split('/');
  const have = formatAddress(id).split('/');
  return want.length === have.length && want.every((part, i) => part === '*' || part === have[i]);
}

/** The agent whose work dir holds `relPath` (relative to the town root), if any. */
export function identityFromWorkDir(relPath: string): Identity | undefined {
  const parts = relPath.split(/[\\/]+/).filter((p) => p.length > 0 && p !== '.');
  const [first, second, third] = parts;
  if (first === '..') return undefined;
  if (parts.length === 0 || first === 'mayor') return { role: 'mayor' };
  if (first === 'deacon') return { role: 'deacon' };
  if (first === undefined || nameProblem('rig', first) !== undefined) return undefined;
  if (second === 'witness') return { role: 'witness', rig: first };
  if (second === 'refinery') return { role: 'refinery', rig: first };
  if (second === 'crew' && third !== undefined && nameProblem('crew', third) === undefined) {
    return { role: 'crew', rig: first, name: third };
  }
  return undefined;
}
