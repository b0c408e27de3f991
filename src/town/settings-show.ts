// Settings as `gt config show` prints them: flattened to dotted keys, secrets masked (agent
// environments, notification URLs and headers), and each key's documentation read back from
// the schema for --explain.
import * as z from 'zod/mini';
import { ROLES } from './identity.js';
import type { Settings } from './settings-schema.js';
import { settingsSchema } from './settings-schema.js';

/** A setting's value as `gt config show` may print it: secrets in agent environments masked. */
export function shownValue(key: string, value: unknown): unknown {
  const name = key.split('.').pop() ?? '';
  if (
    /^(agents\.[a-z]+|runtimes\.[a-z0-9-]+)\.env\./.test(key) &&
    /key|token|secret|password/i.test(name)
  )
    return typeof value === 'string' && value.length > 0 ? '********' : value;
  return value;
}

/** The settings with every secret of the agents' environments masked, for printing. */
export function maskedSettings(settings: Settings): Settings {
  const copy = structuredClone(settings);
  for (const role of ROLES) {
    const env = copy.agents[role].env;
    for (const name of Object.keys(env))
      env[name] = shownValue(`agents.${role}.env.${name}`, env[name]) as string;
  }
  for (const [runtime, def] of Object.entries(copy.runtimes))
    for (const name of Object.keys(def.env))
      def.env[name] = shownValue(`runtimes.${runtime}.env.${name}`, def.env[name]) as string;
  for (const channel of copy.notify.channels) {
    if (channel.url !== undefined) channel.url = maskedUrl(channel.url);
    for (const name of Object.keys(channel.headers)) channel.headers[name] = '********';
  }
  return copy;
}

/** A webhook URL with only its origin shown: its path and query are often the secret. */
export function maskedUrl(url: string): string {
  try {
    const { origin, pathname, search } = new URL(url);
    return pathname === '/' && search === '' ? origin : `${origin}/********`;
  } catch {
    return '********';
  }
}

/** Every leaf key with its value, for `gt config show`. */
export function flattenSettings(settings: Settings): Array<{ key: string; value: unknown }> {
  const out: Array<{ key: string; value: unknown }> = [];
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else {
      out.push({ key: prefix, value: node });
    }
  };
  walk(settings, '');
  return out;
}

export function describeSettingKey(key: string): string | undefined {
  let node: unknown = settingsSchema();
  for (const part of key.split('.')) {
    node = unwrapObject(node)?.[part];
    if (node === undefined) return undefined;
  }
  return z.globalRegistry.get(node as z.ZodMiniType)?.description;
}

/** The shape of an object schema, looking through prefault/default wrappers. */
function unwrapObject(node: unknown): Record<string, unknown> | undefined {
  let current = node as
    { _zod?: { def?: { shape?: Record<string, unknown>; innerType?: unknown } } } | undefined;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const def = current._zod?.def;
    if (def?.shape !== undefined) return def.shape;
    current = def?.innerType as typeof current;
  }
  return undefined;
}
