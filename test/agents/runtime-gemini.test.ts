// The Gemini runtime profile's settings; what each screen recorded from Gemini CLI 0.61.0 reads
// as is in test/fixtures/gemini-0.61.0/expected.json (runtime-fixtures.test.ts).
import { describe, expect, it } from 'vitest';
import { gemini } from '../../src/agents/runtime/gemini.js';

describe('gemini profile', () => {
  it('starts in yolo mode, submits with a pause after the paste, and has hooks', () => {
    expect(gemini.defaultCommand).toBe('gemini --yolo');
    expect(gemini.submit).toEqual({ keys: ['Enter'], delayMs: 150 });
    expect(gemini.recordedVersion).toBe('0.61.0');
    expect(gemini.hooks).not.toBeNull();
  });
});
