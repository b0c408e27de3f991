// Reading what agents spend from their runtimes' own files, a little at a time: each file's
// cursor says how far it was read, so a file that grows by a turn costs the turn's bytes, never
// the whole transcript again. Entries and the cursor are recorded together; an entry read again
// (a daemon that died between reading and recording) is keyed by its source and counted once.
import { open, stat } from 'node:fs/promises';
import { errorMessage } from '../errors.js';
import type { AgentRecord, Store, UsageCursor, UsageEntry } from '../store/store.js';
import type { ReadEntry, ReaderState, UsageReader } from './readers.js';
import { readerFor } from './readers.js';

/** At most this much of one file is read in one pass; the rest waits for the next. */
export const MAX_READ_BYTES = 8 * 1024 * 1024;

/** A runtime file to read, and whose it is. */
export interface UsageSource {
  path: string;
  identity: string;
  runtime: string;
  conversationId: string | null;
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await file.read(buf, got, buf.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await file.close();
  }
}

const parseState = (text: string | null): ReaderState => {
  if (text === null) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as ReaderState) : {};
  } catch {
    return {};
  }
};

interface Read {
  entries: ReadEntry[];
  readTo: number;
  state: ReaderState;
}

/** The complete lines past the cursor (a line still being written waits for its newline). */
async function readLines(
  reader: UsageReader,
  path: string,
  size: number,
  cursor: UsageCursor | undefined,
  now: number,
): Promise<Read | undefined> {
  // A file shorter than what was read is a new file under the old name: from its start.
  const restart = cursor === undefined || size < cursor.readTo;
  const from = restart ? 0 : cursor.readTo;
  if (size === from) return undefined;
  const bytes = await readRange(path, from, Math.min(size, from + MAX_READ_BYTES));
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end === 0) return undefined;
  const state = restart ? {} : parseState(cursor.state);
  const entries: Read['entries'] = [];
  let at = 0;
  while (at < end) {
    const nl = bytes.indexOf(0x0a, at);
    const line = bytes.subarray(at, nl).toString('utf8');
    const got = reader.line(line, { path, offset: from + at, state, now });
    if (got !== undefined) entries.push(...got);
    at = nl + 1;
  }
  return { entries, readTo: from + end, state };
}

/**
 * Reads what is new in one source and records it; resolves how many replies were new. A file
 * that does not exist (yet, or any more) is nothing to read.
 */
export async function collectSource(store: Store, src: UsageSource, now: number): Promise<number> {
  const reader = readerFor(src.runtime);
  if (reader === undefined) return 0;
  const info = await stat(src.path).catch(() => undefined);
  if (info === undefined || !info.isFile()) return 0;
  const cursor = await store.getUsageCursor(src.path);
  const read = await readLines(reader, src.path, info.size, cursor, now);
  if (read === undefined) return 0;
  const { identity, runtime } = src;
  const conversationId = src.conversationId ?? cursor?.conversationId ?? null;
  const entries: UsageEntry[] = [];
  const keys = new Set<string>();
  for (const e of read.entries) {
    if (keys.has(e.key)) continue; // one reply on two lines: the first says it all
    keys.add(e.key);
    entries.push({ ...e, identity, runtime, conversationId });
  }
  const state = JSON.stringify(read.state);
  return store.recordUsage(
    { ...src, conversationId, readTo: read.readTo, state, updatedAt: now },
    entries,
  );
}

/** Files of ended sessions are read on while their cursor moved within this long. */
const KEEP_READING_MS = 24 * 3_600_000;

/** The agents' current files, and the files of their ended sessions read within the last day. */
export async function sourcesOf(
  store: Store,
  agents: readonly AgentRecord[],
  now: number,
): Promise<UsageSource[]> {
  const byPath = new Map<string, UsageSource>();
  const source = (s: UsageSource): UsageSource => ({
    path: s.path,
    identity: s.identity,
    runtime: s.runtime,
    conversationId: s.conversationId,
  });
  const ours = new Set<string>(agents.map((r) => r.identity));
  for (const c of await store.listUsageCursors(now - KEEP_READING_MS))
    if (ours.has(c.identity)) byPath.set(c.path, source(c));
  for (const r of agents)
    if (r.transcriptPath !== null && r.runtime !== null)
      byPath.set(r.transcriptPath, {
        path: r.transcriptPath,
        identity: r.identity,
        runtime: r.runtime,
        conversationId: r.conversationId,
      });
  return [...byPath.values()];
}

/**
 * Reads what is new in every file of these agents; resolves how many replies were new. A file
 * that cannot be read is reported to `onError` and the rest read on.
 */
export async function collectAgents(
  store: Store,
  agents: readonly AgentRecord[],
  now: number,
  onError: (err: Error) => void,
): Promise<number> {
  let found = 0;
  for (const src of await sourcesOf(store, agents, now)) {
    try {
      found += await collectSource(store, src, now);
    } catch (err) {
      onError(new Error(`reading ${src.identity}'s usage in ${src.path}: ${errorMessage(err)}`));
    }
  }
  return found;
}
