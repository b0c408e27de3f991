// What tokens cost: list prices per model in dollars per million tokens, as data. A model is
// priced by the longest name in the list that starts it ("claude-sonnet-4-5-20250929" by
// "claude-sonnet-4-5"); the town's settings (prices) come first. A model nobody priced has no
// cost: its tokens are counted and its cost said to be unknown, never guessed.
import type { PriceSetting } from '../town/settings-spend.js';

export interface Price {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Tokens by kind: input apart from the cached reads and the cache writes. */
export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const NO_TOKENS: Tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

type Row = [input: number, output: number, cacheRead: number, cacheWrite: number];

/**
 * Public list prices (standard tier, prompts under any long-context surcharge) as published by
 * the providers in 2025. Prices change: a town that pays otherwise says so in settings.
 */
const LIST: Record<string, Row> = {
  // Anthropic: cache writes (5-minute) at 1.25x input, cache reads at 0.1x.
  'claude-opus-4-5': [5, 25, 0.5, 6.25],
  'claude-opus-4-1': [15, 75, 1.5, 18.75],
  'claude-opus-4': [15, 75, 1.5, 18.75],
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'claude-sonnet-4': [3, 15, 0.3, 3.75],
  'claude-3-7-sonnet': [3, 15, 0.3, 3.75],
  'claude-haiku-4-5': [1, 5, 0.1, 1.25],
  'claude-3-5-haiku': [0.8, 4, 0.08, 1],
  // OpenAI: cached input at a tenth (a quarter for the 4.1 and o-series), no cache writes.
  'gpt-5.1-codex-mini': [0.25, 2, 0.025, 0],
  'gpt-5.1-codex': [1.25, 10, 0.125, 0],
  'gpt-5.1': [1.25, 10, 0.125, 0],
  'gpt-5-codex': [1.25, 10, 0.125, 0],
  'gpt-5-mini': [0.25, 2, 0.025, 0],
  'gpt-5-nano': [0.05, 0.4, 0.005, 0],
  'gpt-5': [1.25, 10, 0.125, 0],
  'gpt-4.1-mini': [0.4, 1.6, 0.1, 0],
  'gpt-4.1': [2, 8, 0.5, 0],
  'o4-mini': [1.1, 4.4, 0.275, 0],
  o3: [2, 8, 0.5, 0],
  // Google: prompts up to 200k tokens; cached input at a quarter (2.5) or a tenth.
  'gemini-2.5-pro': [1.25, 10, 0.125, 0],
  'gemini-2.5-flash-lite': [0.1, 0.4, 0.01, 0],
  'gemini-2.5-flash': [0.3, 2.5, 0.03, 0],
  'gemini-3-pro': [2, 12, 0.2, 0],
};

const fromRow = ([input, output, cacheRead, cacheWrite]: Row): Price => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

const fromSetting = (p: PriceSetting): Price => ({
  input: p.input,
  output: p.output,
  cacheRead: p.cache_read ?? p.input,
  cacheWrite: p.cache_write ?? p.input,
});

/** The longest key of `table` that `model` starts with (case aside), if any. */
function longestPrefix<T>(table: Record<string, T>, model: string): T | undefined {
  const name = model.toLowerCase().replace(/^(?:models\/|anthropic\/|openai\/|google\/)/, '');
  let best: string | undefined;
  for (const key of Object.keys(table))
    if (name.startsWith(key.toLowerCase()) && (best === undefined || key.length > best.length))
      best = key;
  return best === undefined ? undefined : table[best];
}

/** The price of `model`: the town's own first, then the list; undefined when nobody priced it. */
export function priceOf(
  model: string,
  overrides: Readonly<Record<string, PriceSetting>> = {},
): Price | undefined {
  const own = longestPrefix(overrides, model);
  if (own !== undefined) return fromSetting(own);
  const listed = longestPrefix(LIST, model);
  return listed === undefined ? undefined : fromRow(listed);
}

/** Dollars for `tokens` at `price`; undefined when the price is not known. */
export function costOf(tokens: Tokens, price: Price | undefined): number | undefined {
  if (price === undefined) return undefined;
  return (
    (tokens.input * price.input +
      tokens.output * price.output +
      tokens.cacheRead * price.cacheRead +
      tokens.cacheWrite * price.cacheWrite) /
    1e6
  );
}

export function totalTokens(t: Tokens): number {
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

export function addTokens(a: Tokens, b: Tokens): Tokens {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}
