// The pure sync planners: which git steps run, in which order, and the way back after a failure.
import { describe, expect, it } from 'vitest';
import type { FailureInput, PlannedStep } from '../../src/workspace/sync.js';
import { branchProblem, planRecovery, planSync } from '../../src/workspace/sync.js';
import { GtError } from '../../src/errors.js';

const describeSteps = (steps: readonly PlannedStep[]): string[] =>
  steps.map((s) => (s.kind === 'git' ? `git ${s.args.join(' ')}` : `sh -c ${s.command}`));

describe('planSync', () => {
  const cases: Array<[label: string, dirty: boolean, command: string | null, expected: string[]]> =
    [
      ['clean tree', false, null, ['git fetch origin', 'git pull --rebase origin main']],
      [
        'dirty tree',
        true,
        null,
        [
          'git fetch origin',
          'git stash push --include-untracked -m gastown-sync',
          'git pull --rebase origin main',
          'git stash pop --index',
        ],
      ],
      [
        'clean tree and a sync command',
        false,
        'bd sync',
        ['git fetch origin', 'git pull --rebase origin main', 'sh -c bd sync'],
      ],
      [
        'dirty tree and a sync command',
        true,
        'bd sync',
        [
          'git fetch origin',
          'git stash push --include-untracked -m gastown-sync',
          'git pull --rebase origin main',
          'git stash pop --index',
          'sh -c bd sync',
        ],
      ],
    ];
  it.each(cases)('%s', (_label, dirty, syncCommand, expected) => {
    expect(describeSteps(planSync({ branch: 'main', dirty, syncCommand }))).toEqual(expected);
  });

  it('pulls the branch it is given', () => {
    expect(
      describeSteps(planSync({ branch: 'release/2.x', dirty: false, syncCommand: null })),
    ).toContain('git pull --rebase origin release/2.x');
  });

  it.each([
    '',
    '-main',
    '--upload-pack=touch /tmp/x',
    'a..b',
    'main.',
    'feature/',
    'a b',
    'a//b',
    'x;rm',
  ])('refuses branch %j', (branch) => {
    expect(branchProblem(branch)).toBeDefined();
    expect(() => planSync({ branch, dirty: false, syncCommand: null })).toThrow(GtError);
  });
});

describe('planRecovery', () => {
  const base: FailureInput = {
    failed: 'pull',
    origHead: 'abc123',
    stashed: false,
    rebaseInProgress: false,
    output: '',
  };
  const plan = (
    over: Partial<FailureInput>,
  ): { steps: string[]; conflict: boolean; error: string } => {
    const p = planRecovery({ ...base, ...over });
    return { steps: describeSteps(p.recovery), conflict: p.conflict, error: p.error };
  };

  it('a fetch failure changes nothing and stops before the pull', () => {
    expect(plan({ failed: 'fetch' })).toEqual({
      steps: [],
      conflict: false,
      error: expect.stringMatching(/fetch.*not attempted/) as unknown,
    });
  });

  it('a pull conflict aborts the rebase, resets to the old HEAD and pops the stash', () => {
    expect(
      plan({
        stashed: true,
        rebaseInProgress: true,
        output: 'CONFLICT (content): Merge conflict in README.md',
      }),
    ).toEqual({
      steps: ['git rebase --abort', 'git reset --hard --quiet abc123', 'git stash pop --index'],
      conflict: true,
      error: expect.stringMatching(/conflict/) as unknown,
    });
  });

  it('a pull that failed without a rebase (network, timeout) only resets', () => {
    expect(plan({ output: 'fatal: unable to access' })).toEqual({
      steps: ['git reset --hard --quiet abc123'],
      conflict: false,
      error: expect.stringMatching(/pull failed/) as unknown,
    });
  });

  it('a stash that clashes with upstream goes back to the old HEAD and pops there', () => {
    expect(
      plan({
        failed: 'stash-pop',
        stashed: true,
        output: 'CONFLICT (content): Merge conflict in README.md',
      }),
    ).toEqual({
      steps: ['git reset --hard --quiet abc123', 'git clean -fd --quiet', 'git stash pop --index'],
      conflict: true,
      error: expect.stringMatching(/conflict/) as unknown,
    });
  });

  it('a partial stash is popped back where it was made', () => {
    expect(plan({ failed: 'stash', stashed: true }).steps).toEqual(['git stash pop --index']);
    expect(plan({ failed: 'stash', stashed: false }).steps).toEqual([]);
  });

  it('a failed sync command needs no recovery', () => {
    expect(plan({ failed: 'command' })).toEqual({
      steps: [],
      conflict: false,
      error: 'sync command failed',
    });
  });
});
