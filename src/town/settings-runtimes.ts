// `runtimes.<name>` in settings: an agent CLI gastown-ts has no profile for, defined as data —
// its command, how its screen reads (ready, busy, the input box, dialogs and the option to
// choose, screens nobody may answer), how text is submitted, what its failures look like and
// which hooks style it shares with a built-in. Checked here; made a profile in agents/runtime/.
import * as z from 'zod/mini';
import { parseDuration } from '../util/duration.js';

function doc<T extends z.ZodMiniType>(schema: T, text: string): T {
  return schema.check(z.describe(text));
}

function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

export const RUNTIME_FAILURE_KINDS = [
  'rate_limited',
  'auth',
  'network',
  'overloaded',
  'context_full',
] as const;
export const SUBMIT_KEYS = ['Enter', 'Escape', 'Up', 'Down'] as const;
export const HOOK_STYLES = ['claude', 'codex', 'gemini', 'pi', 'opencode'] as const;

/**
 * A numbered option line of a dialog: `mark` non-blank on the selected one, `n` its number,
 * `label` its text (the number keeps a typed `> hello` from reading as an option).
 */
export const DEFAULT_OPTION_LINE =
  '^\\s*(?<mark>[❯›>●*]?)\\s*(?<n>\\d+)[.)]\\s+(?<label>\\S.*?)\\s*$';

/** The schemas, made by settings-schema.ts's when it is first needed (not at every start). */
export function runtimeSchemas() {
  const pattern = z
    .string()
    .check(z.minLength(1), z.maxLength(500), z.refine(isRegex, 'a regular expression'));
  const patterns = z.array(pattern).check(z.minLength(1), z.maxLength(50));
  const name = z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'a name of lowercase letters, digits and -'));

  const screen = z.strictObject({
    input: doc(
      pattern,
      'the input line (screen lines are read without trailing spaces); its first group, or a group named input, is what is typed in it',
    ),
    placeholders: doc(
      z._default(z.array(pattern), []),
      'what the input shows when nothing is typed in it',
    ),
    busy: doc(z._default(z.array(pattern), []), 'a line matching one: a turn is running'),
    ready: doc(
      z._default(z.array(pattern), []),
      'a line that must be on screen too for the agent to be ready (a footer); none: the input line is enough',
    ),
    option: doc(z._default(pattern, DEFAULT_OPTION_LINE), 'an option line of a dialog'),
    question: doc(z.optional(pattern), 'a line asking a person something (quoted when blocked)'),
  });

  const dialog = z.strictObject({
    id: name,
    match: doc(patterns, 'the dialog is on screen when each pattern matches some line'),
    choose: doc(pattern, 'the option to choose, as its label reads'),
  });

  const blocker = z.strictObject({
    match: doc(patterns, 'the screen is this one when each pattern matches some line'),
    why: z.string().check(z.minLength(1), z.maxLength(300)),
  });

  const failure = z.strictObject({
    kind: z.enum(RUNTIME_FAILURE_KINDS),
    match: pattern,
  });

  const delay = z
    .string()
    .check(z.refine((v) => parseDuration(v) !== undefined, 'a duration like 150ms'));

  const runtimeDefinition = z.strictObject({
    about: doc(
      z.optional(z.string().check(z.maxLength(1000))),
      'a note for people: what the data leaves out (not read by gastown-ts)',
    ),
    command: doc(z.string().check(z.minLength(1)), 'shell text that starts the CLI'),
    program: doc(
      z.optional(pattern),
      'the program name that tells a command runs this CLI (agents.<role>.command)',
    ),
    env: z._default(
      z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/)), z.string()),
      {},
    ),
    screen: doc(
      z.optional(screen),
      'how its screen reads; without it, text is typed in blind (as for any program)',
    ),
    dialogs: z._default(z.array(dialog), []),
    blockers: z._default(z.array(blocker), []),
    failures: doc(
      z._default(z.array(failure), []),
      'screen lines that mean a failure kind (the built-in rules are tried after these)',
    ),
    submit: z._default(
      z.strictObject({
        keys: z._default(z.array(z.enum(SUBMIT_KEYS)), ['Enter']),
        delay: z._default(delay, '150ms'),
      }),
      { keys: ['Enter'], delay: '150ms' },
    ),
    hooks: doc(
      z._default(z.nullable(z.enum(HOOK_STYLES)), null),
      'the built-in whose hooks it reads (claude: .claude/settings.local.json, …), or null',
    ),
    model: doc(z._default(z.boolean(), true), 'a model answers what is typed into it'),
    resume: doc(
      z._default(
        z.nullable(
          z.string().check(
            z.refine((t) => t.includes('{id}'), 'words with {id} where the conversation id goes'),
            z.refine(
              (t) => /^[A-Za-z0-9 _.={}-]+$/.test(t),
              'plain words (letters, digits, - _ . =)',
            ),
          ),
        ),
        null,
      ),
      'words added to the command to resume a conversation, {id} for its id (claude: "--resume {id}"); null: it cannot',
    ),
  });

  const runtimesSection = doc(
    z._default(z.record(name, runtimeDefinition), {}),
    'agent CLIs defined as data (runtimes.<name>: command, screen, dialogs, submit, failures, hooks); agents.<role>.runtime names one',
  );
  return { runtimeDefinition, runtimesSection };
}

export type RuntimeDefinition = z.output<ReturnType<typeof runtimeSchemas>['runtimeDefinition']>;
