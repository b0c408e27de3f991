// A runtime defined as data in settings (runtimes.<name>): its profile built from the patterns
// the user gave, read by the same screen reader as the built-ins. Hooks, where it has them, are
// a built-in's (the CLI reads the same files), with what that built-in adds to its command line.
import type { RuntimeDefinition } from '../../town/settings-runtimes.js';
import { ms } from '../../util/duration.js';
import type { FailureRule } from '../failures/classify.js';
import { classifyLines, FAILURE_RULES } from '../failures/classify.js';
import type { RuntimeProfile } from './profile.js';
import type { InputArea, OptionList, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';

type ScreenDefinition = NonNullable<RuntimeDefinition['screen']>;

const re = (text: string): RegExp => new RegExp(text);
const anyLine = (lines: readonly string[], rules: readonly RegExp[]): boolean =>
  lines.some((l) => rules.some((r) => r.test(l)));

/** The input box of a screen read by the definition's patterns; null while it is not drawn. */
function inputReader(def: ScreenDefinition): (lines: readonly string[]) => InputArea | null {
  const input = re(def.input);
  const placeholders = def.placeholders.map(re);
  const busy = def.busy.map(re);
  const ready = def.ready.map(re);
  return (lines) => {
    const running = anyLine(lines, busy);
    const line = lines.findLast((l) => input.test(l));
    if (line === undefined) return running ? { input: '', busy: true } : null;
    if (!running && ready.length > 0 && !anyLine(lines, ready)) return null;
    const match = input.exec(line);
    const typed = (match?.groups?.input ?? match?.[1] ?? '').trim();
    return { input: placeholders.some((p) => p.test(typed)) ? '' : typed, busy: running };
  };
}

/**
 * A dialog's options: the run of consecutive option lines around the selected one (so lines
 * elsewhere on screen that happen to look like options never count).
 */
function optionBlock(lines: readonly string[], option: RegExp): OptionList {
  const marked = (l: string): boolean => (option.exec(l)?.groups?.mark ?? '').trim() !== '';
  const at = lines.findLastIndex(marked);
  if (at < 0) return { options: [], selected: -1 };
  let first = at;
  while (first > 0 && option.test(lines[first - 1] ?? '')) first--;
  let last = at;
  while (last + 1 < lines.length && option.test(lines[last + 1] ?? '')) last++;
  const block = lines.slice(first, last + 1);
  return {
    options: block.map((l) => (option.exec(l)?.groups?.label ?? '').trim()),
    selected: at - first,
  };
}

/**
 * The lines a live dialog (or a screen nobody may answer) can take: the whole screen, unless the
 * input line is drawn below the last selected option (an answered dialog left in the scrollback).
 */
function dialogAreaOf(screen: ScreenDefinition, option: RegExp): ScreenSpec['dialogArea'] {
  const input = re(screen.input);
  const marked = (l: string): boolean => (option.exec(l)?.groups?.mark ?? '').trim() !== '';
  return (lines) => {
    const selected = lines.findLastIndex(marked);
    const answered = selected >= 0 && lines.findLastIndex((l) => input.test(l)) > selected;
    return answered ? null : lines;
  };
}

function screenSpec(def: RuntimeDefinition, screen: ScreenDefinition): ScreenSpec {
  const option = re(screen.option);
  const question = screen.question === undefined ? undefined : re(screen.question);
  return {
    dialogs: def.dialogs.map((d) => ({ id: d.id, match: d.match.map(re), choose: re(d.choose) })),
    blockers: def.blockers.map((b) => ({ match: b.match.map(re), why: b.why })),
    // A dialog is on screen only when an option line is marked as selected.
    dialogMark: { test: (line) => (option.exec(line)?.groups?.mark ?? '').trim() !== '' },
    ...(question === undefined ? {} : { question }),
    dialogArea: dialogAreaOf(screen, option),
    options: (area) => optionBlock(area, option),
    // Only spaces are cut: a CLI's input mark may end in a no-break space.
    trimEnd: (line) => line.replace(/[ \t]+$/, ''),
    input: inputReader(screen),
  };
}

function failureRules(def: RuntimeDefinition): readonly FailureRule[] {
  return [...def.failures.map((f) => ({ kind: f.kind, match: re(f.match) })), ...FAILURE_RULES];
}

/** What the built-in adds to the command line its hooks need (Codex: their trust). */
function launchOf(builtIn: RuntimeProfile | undefined): Pick<RuntimeProfile, 'launch'> {
  if (builtIn?.launch === undefined) return {};
  return { launch: (command, env) => builtIn.launch?.(command, env) ?? command };
}

/** The resume words with the conversation id (a checked id: one plain shell word) in place. */
function fillId(words: string, id: string): string {
  return words.split('{id}').join(id);
}

/** The profile of `runtimes.<name>`; `builtIn` finds the built-in whose hooks style it shares. */
export function customProfile(
  name: string,
  def: RuntimeDefinition,
  builtIn: (style: NonNullable<RuntimeDefinition['hooks']>) => RuntimeProfile | undefined,
): RuntimeProfile<string> {
  const hooksOf = def.hooks === null ? undefined : builtIn(def.hooks);
  const screen = def.screen;
  const rules = failureRules(def);
  return {
    name,
    recordedVersion: null,
    program: def.program === undefined ? null : re(def.program),
    defaultCommand: def.command,
    env: () => ({ ...def.env }),
    capabilities: { screen: screen !== undefined, model: def.model },
    ...(def.resume === null
      ? {}
      : { resume: (command: string, id: string) => `${command} ${fillId(def.resume ?? '', id)}` }),
    read:
      screen === undefined
        ? () => ({ activity: 'ready', inputEmpty: true, input: '' })
        : screenReader(screenSpec(def, screen)),
    classify: (lines) => classifyLines(lines, rules),
    hooks: hooksOf?.hooks ?? null,
    // Codex-style hooks are trusted on its command line: the same command line they need.
    ...launchOf(hooksOf),
    submit: { keys: def.submit.keys, delayMs: ms(def.submit.delay) },
    definition: () => def,
  };
}
