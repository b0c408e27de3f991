// What agents spend: prices per model over the built-in list (src/spend/prices.ts), and each
// role's daily budget. Shapes and parsing only; the counting is src/spend/.
import * as z from 'zod/mini';

/** A budget a day: dollars, or tokens of every kind together. */
export type Budget = { dollars: number } | { tokens: number };

const TOKEN_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** "$5", "$12.50", "2M tokens", "500k tokens", "150000 tokens"; undefined when none of these. */
export function parseBudget(text: string): Budget | undefined {
  const t = text.trim();
  const dollars = /^\$(\d+(?:\.\d{1,2})?)$/.exec(t);
  if (dollars?.[1] !== undefined) return { dollars: Number(dollars[1]) };
  const tokens = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s+tokens$/.exec(t);
  if (tokens?.[1] === undefined) return undefined;
  const n = Math.round(Number(tokens[1]) * (TOKEN_UNITS[(tokens[2] ?? '').toLowerCase()] ?? 1));
  return Number.isSafeInteger(n) && n > 0 ? { tokens: n } : undefined;
}

/** How a budget reads to a person. */
export function budgetText(b: Budget): string {
  return 'dollars' in b ? `$${b.dollars.toFixed(2)}` : `${b.tokens.toLocaleString('en-US')} tokens`;
}

/** The schemas, made by settings-schema.ts's when it is first needed (not at every start). */
export function spendSchemas() {
  /** A model's prices in dollars per million tokens, as providers list them. */
  const priceSchema = z.strictObject({
    input: z.number().check(z.minimum(0)),
    output: z.number().check(z.minimum(0)),
    cache_read: z.optional(z.number().check(z.minimum(0))),
    cache_write: z.optional(z.number().check(z.minimum(0))),
  });

  const modelKey = z
    .string()
    .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/, 'a model name or the start of one'));

  const pricesSetting = z._default(z.record(modelKey, priceSchema), {});

  const budgetSetting = z._default(
    z.nullable(
      z
        .string()
        .check(
          z.refine(
            (v) => parseBudget(v) !== undefined,
            'a budget a day like "$5", "$12.50" or "2M tokens"',
          ),
        ),
    ),
    null,
  );
  return { priceSchema, pricesSetting, budgetSetting };
}

export type PriceSetting = z.output<ReturnType<typeof spendSchemas>['priceSchema']>;
