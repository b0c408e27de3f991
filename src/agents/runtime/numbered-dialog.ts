// Dialogs drawn as numbered option lists with a selection marker (Codex, Gemini CLI): the options
// of the list that holds the marker.
import type { OptionList } from './screen-reader.js';

interface Option {
  label: string;
  selected: boolean;
}

/**
 * The options of the list that holds the selection marker. Numbering restarts at 1 for each
 * list, which separates the dialog's list from numbered lines further up the screen.
 * `optionLine` captures `mark` (non-blank when selected), `n` and `label`.
 */
export function listOptions(lines: readonly string[], optionLine: RegExp): OptionList {
  const lists: Option[][] = [];
  for (const line of lines) {
    const groups = optionLine.exec(line)?.groups;
    if (groups === undefined) continue;
    const option = { label: groups['label'] ?? '', selected: (groups['mark'] ?? '').trim() !== '' };
    const current = lists.at(-1);
    if (groups['n'] === '1' || current === undefined) lists.push([option]);
    else current.push(option);
  }
  const list = lists.findLast((l) => l.some((o) => o.selected)) ?? [];
  return { options: list.map((o) => o.label), selected: list.findIndex((o) => o.selected) };
}
