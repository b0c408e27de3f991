// Workspace sync for refinery and crew clones: fetch, stash, pull --rebase, pop, then
// the town's sync.command. Pure planners decide the steps and the way back; a thin
// executor runs them and, when anything conflicts, leaves the tree exactly as it was.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GtError, InternalError } from '../errors.js';
import type { GitResult } from './git.js';
import { gitFailure, runGit } from './git.js';
import type { ShellResult } from './shell.js';
import { runShellCommand } from './shell.js';

export type GitStepName =
  'fetch' | 'stash' | 'pull' | 'stash-pop' | 'rebase-abort' | 'reset' | 'clean';
export type SyncStepName = GitStepName | 'status' | 'command';

export type PlannedStep =
  | { readonly step: GitStepName; readonly kind: 'git'; readonly args: readonly string[] }
  | { readonly step: 'command'; readonly kind: 'shell'; readonly command: string };

export interface SyncPlanInput {
  readonly branch: string;
  readonly dirty: boolean;
  readonly syncCommand: string | null;
}

export interface FailureInput {
  readonly failed: SyncStepName;
  /** HEAD before the sync touched anything. */
  readonly origHead: string;
  readonly stashed: boolean;
  readonly rebaseInProgress: boolean;
  /** What git said, to tell a conflict from other failures. */
  readonly output: string;
}

export interface FailurePlan {
  /** Steps that put the tree back as it was, in order. */
  readonly recovery: readonly PlannedStep[];
  readonly conflict: boolean;
  readonly error: string;
}

export interface SyncOptions {
  dir: string;
  branch: string;
  /** The town's sync.command: shell text from its own settings, run after a good git sync. */
  syncCommand: string | null;
  /** Limit of each git call and of the sync command. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export interface SyncStepResult {
  step: SyncStepName;
  ok: boolean;
  detail: string;
}

export interface SyncResult {
  ok: boolean;
  steps: SyncStepResult[];
  /** Local changes were stashed for the pull. */
  stashed: boolean;
  /** The stash was popped back; false with stashed=true means the changes are still in the stash. */
  stashRestored: boolean;
  conflict: boolean;
  headBefore: string | null;
  headAfter: string | null;
  error?: string;
}

const BRANCH_RE = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![./])$/;
const CONFLICT_RE =
  /CONFLICT|could not apply|Conflicts in index|already exists, no checkout|needs merge/;
const STASH_MESSAGE = 'gastown-sync';

// ---------------------------------------------------------------------------
// Pure planning

const gitStep = (step: GitStepName, ...args: string[]): PlannedStep => ({
  step,
  kind: 'git',
  args,
});

/** The forward plan: fetch; stash if dirty; pull --rebase; pop; the town's command. */
export function planSync(input: SyncPlanInput): PlannedStep[] {
  const problem = branchProblem(input.branch);
  if (problem !== undefined) {
    throw new GtError('GT_BAD_BRANCH', problem, {
      exitCode: 2,
      hint: 'check default_branch in mayor/rigs.json',
    });
  }
  const steps: PlannedStep[] = [gitStep('fetch', 'fetch', 'origin')];
  if (input.dirty)
    steps.push(gitStep('stash', 'stash', 'push', '--include-untracked', '-m', STASH_MESSAGE));
  steps.push(gitStep('pull', 'pull', '--rebase', 'origin', input.branch));
  if (input.dirty) steps.push(stashPop());
  if (input.syncCommand !== null)
    steps.push({ step: 'command', kind: 'shell', command: input.syncCommand });
  return steps;
}

/** Why git must not be handed `branch` (it could pass for an option or a range), or undefined. */
export function branchProblem(branch: string): string | undefined {
  return BRANCH_RE.test(branch)
    ? undefined
    : `cannot sync to branch ${JSON.stringify(branch)}: not a plain branch name`;
}

// --index keeps staged and unstaged changes apart, so the tree comes back exactly as it was.
const stashPop = (): PlannedStep => gitStep('stash-pop', 'stash', 'pop', '--index');

/**
 * What to do when a step fails. The sync stops at the first failure:
 * - fetch: nothing has changed yet. The pull would ask the same remote and fail the
 *   same way (after another full timeout), so it is not attempted.
 * - stash: nothing was moved; stop.
 * - pull: abort any rebase, put HEAD back, pop the stash onto the HEAD it came from.
 * - stash-pop (the changes clash with upstream): go back to the old HEAD, where the
 *   stash applies cleanly, and pop it there. Upstream is left for the next sync.
 * - command: the tree is synced; only the command's failure is reported.
 * The sync command never runs after a failed git sync: it would act on a tree that
 * is not the one it expects.
 */
export function planRecovery(input: FailureInput): FailurePlan {
  const conflict = CONFLICT_RE.test(input.output);
  const back = gitStep('reset', 'reset', '--hard', '--quiet', input.origHead);
  switch (input.failed) {
    case 'pull': {
      const recovery: PlannedStep[] = [];
      if (input.rebaseInProgress) recovery.push(gitStep('rebase-abort', 'rebase', '--abort'));
      recovery.push(back);
      if (input.stashed) recovery.push(stashPop());
      const isConflict = conflict || input.rebaseInProgress;
      const error = isConflict
        ? 'local commits conflict with upstream: rebase aborted, tree left as it was'
        : 'git pull failed: tree left as it was';
      return { recovery, conflict: isConflict, error };
    }
    case 'stash-pop':
      // After `reset --hard`, anything untracked came from the half-applied stash (the
      // stash took every untracked file before the pull), so `clean` removes only that.
      return {
        recovery: [back, gitStep('clean', 'clean', '-fd', '--quiet'), stashPop()],
        conflict,
        error: conflict
          ? 'local changes conflict with upstream: tree left as it was, upstream not applied'
          : 'restoring local changes failed: tree put back as it was',
      };
    case 'fetch':
      return {
        recovery: [],
        conflict: false,
        error: 'git fetch failed: tree unchanged, pull not attempted',
      };
    case 'stash':
      // A stash that took only part of the changes is popped back where it was made.
      return input.stashed
        ? {
            recovery: [stashPop()],
            conflict: false,
            error: 'git stash did not take every change: restored them, not pulled',
          }
        : { recovery: [], conflict: false, error: 'git stash failed: tree unchanged' };
    case 'status':
      return { recovery: [], conflict: false, error: 'git status failed: tree unchanged' };
    case 'command':
      return { recovery: [], conflict: false, error: 'sync command failed' };
    case 'rebase-abort':
    case 'reset':
    case 'clean':
      return {
        recovery: [],
        conflict,
        error: `git ${input.failed} failed while restoring the tree`,
      };
    default:
      return assertNever(input.failed);
  }
}

function assertNever(value: never): never {
  throw new InternalError(`unexpected step: ${String(value)}`);
}

// ---------------------------------------------------------------------------
// The executor

interface Run {
  readonly opts: SyncOptions;
  readonly result: SyncResult;
  /** The stash commit we made, so we never pop someone else's. */
  stashOid: string | undefined;
}

/** Syncs `dir` to origin/<branch>. Git failures are reported in the result, never thrown. */
export async function syncWorkspace(opts: SyncOptions): Promise<SyncResult> {
  const run: Run = {
    opts,
    stashOid: undefined,
    result: {
      ok: false,
      steps: [],
      stashed: false,
      stashRestored: false,
      conflict: false,
      headBefore: null,
      headAfter: null,
    },
  };
  const badBranch = branchProblem(opts.branch);
  if (badBranch !== undefined) {
    run.result.error = badBranch;
    return run.result;
  }
  const origHead = await preflight(run);
  if (origHead === undefined) return run.result;
  const dirty = await isDirty(run);
  if (dirty === undefined) return finish(run, 'git status failed: tree unchanged');
  for (const step of planSync({ branch: opts.branch, dirty, syncCommand: opts.syncCommand })) {
    const failure = await runStep(run, step);
    if (failure === undefined) continue;
    const plan = planRecovery({
      failed: step.step,
      origHead,
      stashed: run.result.stashed,
      rebaseInProgress: await rebaseInProgress(run),
      output: failure,
    });
    run.result.conflict = plan.conflict;
    return finish(run, await recover(run, plan));
  }
  return finish(run, undefined);
}

async function preflight(run: Run): Promise<string | undefined> {
  const head = await git(run, ['rev-parse', '--verify', 'HEAD']);
  if (!head.ok) {
    run.result.error = `${run.opts.dir} is not a git clone with a commit: ${gitFailure(['rev-parse'], head).message}`;
    return undefined;
  }
  run.result.headBefore = head.stdout.trim();
  if (await rebaseInProgress(run)) {
    run.result.error = `a rebase is already in progress in ${run.opts.dir}: finish or abort it first`;
    run.result.headAfter = run.result.headBefore;
    return undefined;
  }
  return run.result.headBefore;
}

async function isDirty(run: Run): Promise<boolean | undefined> {
  const status = await git(run, ['status', '--porcelain', '--untracked-files=all']);
  if (!status.ok) {
    record(run, 'status', false, gitFailure(['status'], status).message);
    return undefined;
  }
  return status.stdout.trim().length > 0;
}

/** Runs one step and records it; returns the failure output, or undefined when it went well. */
async function runStep(run: Run, step: PlannedStep): Promise<string | undefined> {
  if (step.kind === 'shell') return runCommandStep(run, step.command);
  if (step.step === 'stash-pop') return popStash(run);
  const before = step.step === 'stash' ? await stashRef(run) : undefined;
  const res = await git(run, step.args);
  record(run, step.step, res.ok, res.ok ? summary(res) : gitFailure(step.args, res).message);
  if (!res.ok) return `${res.stdout}\n${res.stderr}`;
  if (step.step === 'stash') return afterStash(run, before);
  return undefined;
}

async function afterStash(run: Run, before: string | undefined): Promise<string | undefined> {
  const after = await stashRef(run);
  // "No local changes to save" exits 0 without a stash; then there is nothing to pop.
  if (after === undefined || after === before) return undefined;
  run.stashOid = after;
  run.result.stashed = true;
  const left = await isDirty(run);
  if (left === false) return undefined;
  record(run, 'stash', false, 'git stash left changes behind; not pulling over them');
  return 'stash incomplete';
}

async function popStash(run: Run): Promise<string | undefined> {
  if (!run.result.stashed) return undefined;
  if ((await stashRef(run)) !== run.stashOid) {
    record(
      run,
      'stash-pop',
      false,
      `the newest stash is no longer ours; local changes are in stash ${run.stashOid}`,
    );
    return 'stash moved';
  }
  const res = await git(run, ['stash', 'pop', '--index']);
  record(
    run,
    'stash-pop',
    res.ok,
    res.ok ? 'local changes restored' : gitFailure(['stash'], res).message,
  );
  if (!res.ok) return `${res.stdout}\n${res.stderr}`;
  run.result.stashRestored = true;
  return undefined;
}

/** Runs the recovery steps; stops at the first that fails, keeping the stash. Returns the error text. */
async function recover(run: Run, plan: FailurePlan): Promise<string> {
  for (const step of plan.recovery) {
    if ((await runStep(run, step)) !== undefined) {
      const kept =
        run.result.stashed && !run.result.stashRestored
          ? `; local changes are kept in stash ${run.stashOid}`
          : '';
      return `${plan.error}; then restoring failed at ${step.step}${kept}`;
    }
  }
  return plan.error;
}

async function finish(run: Run, error: string | undefined): Promise<SyncResult> {
  const head = await git(run, ['rev-parse', '--verify', 'HEAD']);
  run.result.headAfter = head.ok ? head.stdout.trim() : null;
  if (error !== undefined) run.result.error = error;
  run.result.ok = error === undefined;
  return run.result;
}

function record(run: Run, step: SyncStepName, ok: boolean, detail: string): void {
  run.result.steps.push({ step, ok, detail });
}

function git(run: Run, args: readonly string[]): Promise<GitResult> {
  return runGit(args, { cwd: run.opts.dir, timeoutMs: run.opts.timeoutMs, env: run.opts.env });
}

async function stashRef(run: Run): Promise<string | undefined> {
  const res = await git(run, ['rev-parse', '-q', '--verify', 'refs/stash']);
  return res.ok ? res.stdout.trim() : undefined;
}

async function rebaseInProgress(run: Run): Promise<boolean> {
  for (const name of ['rebase-merge', 'rebase-apply']) {
    const res = await git(run, ['rev-parse', '--git-path', name]);
    if (res.ok && existsSync(resolve(run.opts.dir, res.stdout.trim()))) return true;
  }
  return false;
}

function summary(res: GitResult): string {
  const lines = `${res.stdout}\n${res.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.at(-1) ?? 'ok';
}

// ---------------------------------------------------------------------------
// The town's sync command: the one place a shell runs, and only the town's own settings reach it.

async function runCommandStep(run: Run, command: string): Promise<string | undefined> {
  const res = await runShellCommand(command, {
    cwd: run.opts.dir,
    timeoutMs: run.opts.timeoutMs,
    env: run.opts.env,
  });
  record(run, 'command', res.ok, describeShell(command, res, run.opts.timeoutMs));
  return res.ok ? undefined : res.output;
}

function describeShell(command: string, res: ShellResult, timeoutMs: number): string {
  const tail = res.output.trim().split('\n').slice(-3).join(' / ');
  const what = `sync command ${JSON.stringify(command.length > 80 ? `${command.slice(0, 80)}…` : command)}`;
  if (res.timedOut) return `${what} timed out after ${timeoutMs} ms${tail ? `: ${tail}` : ''}`;
  if (res.ok) return `${what} succeeded${tail ? `: ${tail}` : ''}`;
  const how = res.signal !== null ? `was killed by ${res.signal}` : `exited ${String(res.code)}`;
  return `${what} ${how}${tail ? `: ${tail}` : ''}`;
}
