// The wanted state, a pure decision: the user's last act on the agent, else its role's default.
import { describe, expect, it } from 'vitest';
import type { Wanted } from '../../src/agents/wanted.js';
import { wantedRunning, wantedState } from '../../src/agents/wanted.js';
import type { AgentRecord } from '../../src/store/store.js';
import { parseIdentity } from '../../src/town/identity.js';
import { MemoryStore } from '../helpers/memory-store.js';

const DEFAULTS = ['mayor', 'deacon', '*/witness', '*/refinery'];

async function recordOf(address: string, patch: Partial<AgentRecord>): Promise<AgentRecord> {
  return new MemoryStore().patchAgent(address, patch);
}

describe('wantedState', () => {
  const cases: Array<[string, string, Partial<AgentRecord> | null, Wanted]> = [
    ['never acted on, a default role', 'alpha/witness', null, 'running'],
    ['never acted on, not a default', 'alpha/crew/max', null, 'stopped'],
    [
      'started by the user',
      'alpha/crew/max',
      { startedAt: 1, session: 'gt-alpha-crew-max' },
      'running',
    ],
    ['started, then its process exited', 'alpha/crew/max', { lastExitAt: 5 }, 'running'],
    [
      'stopped by the user, a default role',
      'mayor',
      { desired: 'stopped', startedAt: null },
      'stopped',
    ],
    [
      'stopped by a shutdown request',
      'alpha/crew/max',
      { desired: 'stopped', lastExitAt: 5 },
      'stopped',
    ],
    [
      'a record with nothing started (e.g. only reports)',
      'alpha/crew/max',
      { activity: 'ready' },
      'stopped',
    ],
  ];
  for (const [why, address, patch, want] of cases)
    it(`${why}: ${want}`, async () => {
      const record = patch === null ? undefined : await recordOf(address, patch);
      expect(wantedState(parseIdentity(address), record, DEFAULTS)).toBe(want);
    });

  it('no defaults: only what the user started', async () => {
    const started = await recordOf('alpha/crew/max', { startedAt: 1 });
    const agents = ['mayor', 'alpha/witness', 'alpha/crew/max', 'alpha/crew/ann'].map(
      parseIdentity,
    );
    expect(wantedRunning(agents, [started], []).map((id) => id.role)).toEqual(['crew']);
    expect(wantedRunning(agents, [started], DEFAULTS)).toHaveLength(3);
  });
});
