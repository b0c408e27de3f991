// Agent state files on a real file system: round trips, typed errors for every kind of
// bad file, symlinks out of the town, modes, and the lock that keeps writers apart.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LifecycleAction } from '../../src/protocol/request.js';
import { verifyRequesting } from '../../src/protocol/request.js';
import type { AgentState } from '../../src/state/agent-state.js';
import {
  AgentStateError,
  clearRequesting,
  readAgentState,
  setRequesting,
  updateAgentState,
} from '../../src/state/agent-state.js';
import type { Identity } from '../../src/town/identity.js';
import { stateFilePath } from '../../src/town/identity.js';
import { tempDir } from '../helpers/temp.js';

const MAX: Identity = { role: 'crew', rig: 'alpha', name: 'max' };
const NOW = new Date('2025-03-04T05:06:07.000Z');

function town(): { root: string; file: string } {
  const root = tempDir('state');
  mkdirSync(join(root, 'alpha', 'crew', 'max'), { recursive: true });
  return { root, file: stateFilePath(root, MAX) };
}

function expectStateError(fn: () => unknown, code: string): AgentStateError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AgentStateError);
  expect((caught as AgentStateError).code).toBe(code);
  return caught as AgentStateError;
}

async function expectStateRejection(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(AgentStateError);
  await expect(promise).rejects.toMatchObject({ code });
}

describe('set, verify and clear', () => {
  it('round-trips a request and keeps every unknown field', async () => {
    const { root, file } = town();
    const mine = { mood: 'fine', nested: { list: [1, 'two', null] }, requesting_restart: false };
    writeFileSync(file, JSON.stringify(mine));

    await setRequesting(root, MAX, 'cycle', 'req-1', NOW);
    const asking = readAgentState(root, MAX);
    expect(asking).toEqual({
      ...mine,
      requesting_cycle: true,
      requesting_time: '2025-03-04T05:06:07.000Z',
      requesting_id: 'req-1',
    });
    expect(verifyRequesting(asking, 'cycle')).toEqual({ ok: true });
    expect(verifyRequesting(asking, 'cycle', 'req-1')).toEqual({ ok: true });
    expect(verifyRequesting(asking, 'restart').ok).toBe(false);

    const { cleared } = await clearRequesting(root, MAX, 'cycle', 'req-1');
    expect(cleared).toBe(true);
    expect(readAgentState(root, MAX)).toEqual(mine);
    expect(verifyRequesting(readAgentState(root, MAX), 'cycle').ok).toBe(false);
  });

  it('reads {} when there is no file, and creates one on the first request', async () => {
    const { root, file } = town();
    expect(readAgentState(root, MAX)).toEqual({});
    expect(readAgentState(root, { role: 'crew', rig: 'alpha', name: 'nobody' })).toEqual({});
    await setRequesting(root, MAX, 'shutdown', 'req-9', NOW);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      requesting_shutdown: true,
      requesting_id: 'req-9',
    });
  });

  it('refuses to write for an agent whose folder does not exist', async () => {
    const { root } = town();
    const ghost: Identity = { role: 'crew', rig: 'alpha', name: 'ghost' };
    await expectStateRejection(
      setRequesting(root, ghost, 'cycle', 'r', NOW),
      'GT_STATE_UNWRITABLE',
    );
    expect(existsSync(join(root, 'alpha', 'crew', 'ghost'))).toBe(false);
  });

  it('clearing with a stale request id leaves the newer request alone', async () => {
    const { root } = town();
    await setRequesting(root, MAX, 'cycle', 'old', NOW);
    await setRequesting(root, MAX, 'cycle', 'new', new Date(NOW.getTime() + 1000));
    const { cleared } = await clearRequesting(root, MAX, 'cycle', 'old');
    expect(cleared).toBe(false);
    const state = readAgentState(root, MAX);
    expect(state).toMatchObject({ requesting_cycle: true, requesting_id: 'new' });
    expect(verifyRequesting(state, 'cycle', 'new')).toEqual({ ok: true });
    expect(verifyRequesting(state, 'cycle', 'old').ok).toBe(false);
  });

  it('clearing with no file writes nothing', async () => {
    const { root, file } = town();
    const { cleared } = await clearRequesting(root, MAX, 'restart');
    expect(cleared).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('writes the file with mode 0600, even over a world-readable one', async () => {
    const { root, file } = town();
    writeFileSync(file, '{}', { mode: 0o644 });
    chmodSync(file, 0o644);
    await setRequesting(root, MAX, 'restart', 'r1', NOW);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('verifyRequesting', () => {
  const cases: Array<
    [
      label: string,
      state: Record<string, unknown>,
      action: LifecycleAction,
      id: string | undefined,
      ok: boolean,
    ]
  > = [
    ['flag true, no id asked', { requesting_cycle: true }, 'cycle', undefined, true],
    ['flag true, id matches', { requesting_cycle: true, requesting_id: 'a' }, 'cycle', 'a', true],
    ['flag missing', {}, 'cycle', undefined, false],
    ['flag false', { requesting_cycle: false }, 'cycle', undefined, false],
    ['flag is the string "true"', { requesting_cycle: 'true' }, 'cycle', undefined, false],
    ['flag is 1', { requesting_cycle: 1 }, 'cycle', undefined, false],
    ['other action asked', { requesting_cycle: true }, 'shutdown', undefined, false],
    ['wrong request id', { requesting_cycle: true, requesting_id: 'a' }, 'cycle', 'b', false],
    ['id asked, none stored', { requesting_cycle: true }, 'cycle', 'a', false],
    ['flag null (absent)', { requesting_cycle: null }, 'cycle', undefined, false],
    ['id asked, null stored', { requesting_cycle: true, requesting_id: null }, 'cycle', 'a', false],
  ];
  it.each(cases)('%s', (_label, state, action, id, ok) => {
    const verdict = verifyRequesting(state, action, id);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toMatch(/requesting_|request/);
  });
});

describe('null means absent', () => {
  it('a file whose protocol fields are null reads fine, and a request can be written over it', async () => {
    const { root, file } = town();
    const text = JSON.stringify({
      requesting_cycle: null,
      requesting_restart: null,
      requesting_shutdown: null,
      requesting_time: null,
      requesting_id: null,
      mood: 'fine',
    });
    writeFileSync(file, text);
    expect(readAgentState(root, MAX)).toMatchObject({ requesting_id: null, mood: 'fine' });
    await setRequesting(root, MAX, 'cycle', 'rq-1', NOW);
    const after = readAgentState(root, MAX);
    expect(after).toMatchObject({ requesting_cycle: true, requesting_id: 'rq-1', mood: 'fine' });
    expect(verifyRequesting(after, 'cycle', 'rq-1').ok).toBe(true);
    expect((await clearRequesting(root, MAX, 'cycle', 'rq-1')).cleared).toBe(true);
  });
});

describe('bad files give typed errors, never a request', () => {
  const corrupt: Array<[label: string, text: string]> = [
    ['broken JSON', '{"requesting_cycle": true'],
    ['an empty file', ''],
    ['an array', '[{"requesting_cycle": true}]'],
    ['null', 'null'],
    ['a string', '"requesting_cycle"'],
    ['a string flag', '{"requesting_cycle": "true"}'],
    ['a numeric request id', '{"requesting_cycle": true, "requesting_id": 7}'],
    ['an object as time', '{"requesting_shutdown": true, "requesting_time": {}}'],
  ];
  it.each(corrupt)(
    '%s → GT_STATE_CORRUPT, and a write does not overwrite it',
    async (_label, text) => {
      const { root, file } = town();
      writeFileSync(file, text);
      expectStateError(() => readAgentState(root, MAX), 'GT_STATE_CORRUPT');
      await expectStateRejection(setRequesting(root, MAX, 'cycle', 'r', NOW), 'GT_STATE_CORRUPT');
      expect(readFileSync(file, 'utf8')).toBe(text);
    },
  );

  it('a directory → GT_STATE_UNREADABLE', () => {
    const { root, file } = town();
    mkdirSync(file);
    const err = expectStateError(() => readAgentState(root, MAX), 'GT_STATE_UNREADABLE');
    expect(err.message).toMatch(/directory/);
  });

  it('an unreadable file → GT_STATE_UNREADABLE (as root: read with the euid of nobody)', () => {
    const { root, file } = town();
    writeFileSync(file, '{"requesting_cycle": true}');
    chmodSync(file, 0o000);
    // root reads through mode 000, so there the read runs as "nobody" for a moment;
    // the read is synchronous, so nothing else runs under the borrowed id.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      for (
        let dir = join(root, 'alpha', 'crew', 'max');
        dir.startsWith(root);
        dir = join(dir, '..')
      )
        chmodSync(dir, 0o755);
    }
    const read = (): unknown => {
      if (!asRoot) return readAgentState(root, MAX);
      process.seteuid?.(65534);
      try {
        return readAgentState(root, MAX);
      } finally {
        process.seteuid?.(0);
      }
    };
    expectStateError(read, 'GT_STATE_UNREADABLE');
    chmodSync(file, 0o600);
  });

  it('a symlink to a file outside the town → GT_STATE_OUTSIDE_TOWN, for reads and writes', async () => {
    const { root, file } = town();
    const outside = join(tempDir('outside'), 'secret.json');
    writeFileSync(outside, '{"requesting_cycle": true}');
    symlinkSync(outside, file);
    expectStateError(() => readAgentState(root, MAX), 'GT_STATE_OUTSIDE_TOWN');
    await expectStateRejection(
      setRequesting(root, MAX, 'cycle', 'r', NOW),
      'GT_STATE_OUTSIDE_TOWN',
    );
    expect(readFileSync(outside, 'utf8')).toBe('{"requesting_cycle": true}');
  });

  it('a dangling symlink pointing outside → GT_STATE_OUTSIDE_TOWN', () => {
    const { root, file } = town();
    symlinkSync(join(tempDir('outside'), 'nothing.json'), file);
    expectStateError(() => readAgentState(root, MAX), 'GT_STATE_OUTSIDE_TOWN');
  });

  it('a crew folder that is a symlink out of the town → GT_STATE_OUTSIDE_TOWN even with no file', async () => {
    const root = tempDir('state');
    mkdirSync(join(root, 'alpha', 'crew'), { recursive: true });
    const elsewhere = tempDir('outside');
    symlinkSync(elsewhere, join(root, 'alpha', 'crew', 'max'));
    expectStateError(() => readAgentState(root, MAX), 'GT_STATE_OUTSIDE_TOWN');
    await expectStateRejection(
      setRequesting(root, MAX, 'cycle', 'r', NOW),
      'GT_STATE_OUTSIDE_TOWN',
    );
    expect(existsSync(join(elsewhere, 'state.json'))).toBe(false);
  });

  it('a symlink that stays inside the town is followed', async () => {
    const { root, file } = town();
    const target = join(root, 'alpha', 'crew', 'max', 'real-state.json');
    writeFileSync(target, '{"kept": 1}');
    symlinkSync(target, file);
    expect(readAgentState(root, MAX)).toEqual({ kept: 1 });
    await setRequesting(root, MAX, 'cycle', 'r', NOW);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({
      kept: 1,
      requesting_cycle: true,
    });
  });
});

describe('updateAgentState', () => {
  it('rejects a change that would write wrong-typed protocol fields', async () => {
    const { root, file } = town();
    // a caller that got around the types: the write must still be refused
    const bad = { requesting_cycle: 'yes' } as unknown as AgentState;
    await expect(updateAgentState(root, MAX, () => bad)).rejects.toThrow(/bad agent state/);
    expect(existsSync(file)).toBe(false);
  });

  it('writes nothing when the change returns undefined', async () => {
    const { root, file } = town();
    const state = await updateAgentState(root, MAX, () => undefined);
    expect(state).toEqual({});
    expect(existsSync(file)).toBe(false);
  });
});

describe('the latest request wins', () => {
  it('a new request for another action drops the older one', async () => {
    const root = tempDir('latest');
    mkdirSync(join(root, 'alpha', 'crew', 'max'), { recursive: true });
    await setRequesting(root, MAX, 'cycle', 'rq-old', NOW);
    await setRequesting(root, MAX, 'shutdown', 'rq-new', NOW);
    const state = readAgentState(root, MAX);
    expect(state.requesting_cycle).toBeUndefined();
    expect(state).toMatchObject({ requesting_shutdown: true, requesting_id: 'rq-new' });
  });
});
