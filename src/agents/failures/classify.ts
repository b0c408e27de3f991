// Why an agent is not doing its work: one classification for every runtime. A runtime profile
// reads it from the screen (the latest turn's output) and from the last lines of an exited
// process; the daemon applies a policy per kind (apply.ts).

export const FAILURE_KINDS = [
  'crash',
  'rate_limited',
  'auth',
  'network',
  'overloaded',
  'context_full',
  'blocked',
  'stalled',
  'stopped',
  'budget',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Failure {
  kind: FailureKind;
  /** The screen line that says so (one line). */
  evidence: string;
  /** The CLI says it tries again (or the limit resets) in this many ms. */
  retryInMs?: number;
}

/** One screen pattern of a runtime: the kind it means, and how to read a wait from it. */
export interface FailureRule {
  kind: FailureKind;
  match: RegExp;
}

const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };

/** "retrying in 26s", "will retry in 4m 14s", "try again in 1h 5m": the wait, in ms. */
export function waitIn(text: string): number | undefined {
  const found = /(?:retry(?:ing)?|try again)\s+in\s+((?:\d+\s*[hms]\s*)+)/i.exec(text);
  if (found?.[1] === undefined) return undefined;
  let total = 0;
  for (const [, n, unit] of found[1].matchAll(/(\d+)\s*([hms])/g))
    total += Number(n) * (UNITS[unit ?? 's'] ?? 1000);
  return total;
}

/** The first rule matching one of `lines`, newest line first. */
export function classifyLines(
  lines: readonly string[],
  rules: readonly FailureRule[],
): Failure | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const rule = rules.find((r) => r.match.test(line));
    if (rule === undefined) continue;
    const retryInMs = waitIn(line);
    return {
      kind: rule.kind,
      evidence: line.slice(0, 300),
      ...(retryInMs === undefined ? {} : { retryInMs }),
    };
  }
  return undefined;
}

/**
 * What the CLIs print when a turn fails, across Claude Code, Codex and Gemini CLI (each line
 * recorded from the real CLI; test/fixtures). Order matters within a line: the first rule wins.
 */
export const FAILURE_RULES: readonly FailureRule[] = [
  // Claude Code retrying by itself: "✻ 401 <message> · retrying in 4s · attempt 4/10"
  { kind: 'auth', match: /^\S\s+40[13]\b.*retrying in/ },
  { kind: 'rate_limited', match: /^\S\s+429\b.*retrying in/ },
  { kind: 'overloaded', match: /^\S\s+5\d\d\b.*retrying in/ },
  {
    kind: 'auth',
    match:
      /Please run \/login|API Error: 401|status 401|Invalid API key|Incorrect API key|UNAUTHENTICATED|API key not valid|API_KEY_INVALID|OAuth token (?:has )?expired/i,
  },
  {
    kind: 'context_full',
    match: /Prompt is too long|context window|Context low|exceeds? (?:the )?(?:maximum )?context/i,
  },
  {
    kind: 'network',
    match:
      /ECONNREFUSED|Connection refused|Connection error|Connection failed|Unable to connect|ENOTFOUND|ETIMEDOUT|check your network|waiting for network|fetch failed/i,
  },
  { kind: 'overloaded', match: /API Error: (?:529|5\d\d)\b|Overloaded|high demand|status 5\d\d/i },
  {
    kind: 'rate_limited',
    match:
      /\(429\)|API Error: 429|status: 429|Too Many Requests|RESOURCE_EXHAUSTED|rate.?limit|usage limit|quota|limit will reset|Server is busy|API error · retrying in/i,
  },
];

/**
 * The output of the latest turn: the lines after the last prompt line (a line starting with
 * `prompt`) that comes before the input box (the last prompt line when `inputIsPrompt`).
 */
export function latestTurn(
  lines: readonly string[],
  prompt: RegExp,
  inputIsPrompt: boolean,
): readonly string[] {
  const prompts = lines.flatMap((l, i) => (prompt.test(l) ? [i] : []));
  const end = inputIsPrompt ? prompts.at(-1) : undefined;
  const history = inputIsPrompt ? prompts.slice(0, -1) : prompts;
  const start = history.at(-1);
  return lines.slice(start === undefined ? 0 : start + 1, end ?? lines.length);
}
