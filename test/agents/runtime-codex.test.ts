// The Codex runtime profile's settings; what each screen recorded from Codex CLI 0.171.0 reads
// as is in test/fixtures/codex-0.171.0/expected.json (runtime-fixtures.test.ts).
import { describe, expect, it } from 'vitest';
import { codex } from '../../src/agents/runtime/codex.js';

describe('codex profile', () => {
  it('starts with approvals bypassed and submits with a pause after the paste', () => {
    expect(codex.defaultCommand).toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(codex.submit).toEqual({ keys: ['Enter'], delayMs: 500 });
    expect(codex.recordedVersion).toBe('0.171.0');
    // --no-daemon: no `codex app-server` outlives the session (test/e2e/codex.test.ts).
    expect(codex.defaultCommand).toMatch(/^codex --no-daemon /);
    expect(codex.hooks).not.toBeNull();
  });
});
