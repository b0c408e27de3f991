// A runtime written out as settings data (the `runtimes.<name>` shape), so a person can start a
// runtime of their own from a built-in: `gt config runtime claude`. A built-in reads parts of
// its screen with code the data cannot say; its definition is the nearest data, a start.
import type { RuntimeDefinition } from '../../town/settings-runtimes.js';
import { RUNTIME_FAILURE_KINDS } from '../../town/settings-runtimes.js';
import type { FailureRule } from '../failures/classify.js';
import type { DialogRule, RuntimeProfile } from './profile.js';

export interface DefinitionParts {
  /** What the built-in reads by code that this data cannot say. */
  about?: string;
  screen?: RuntimeDefinition['screen'];
  dialogs?: readonly DialogRule[];
  blockers?: ReadonlyArray<{ match: readonly RegExp[]; why: string }>;
  hooks?: RuntimeDefinition['hooks'];
  /** The runtime's own failure lines, tried before the built-in rules. */
  failures?: readonly FailureRule[];
}

type DefinedKind = RuntimeDefinition['failures'][number]['kind'];
const definedKind = (kind: string): kind is DefinedKind =>
  (RUNTIME_FAILURE_KINDS as readonly string[]).includes(kind);

function failuresOf(rules: readonly FailureRule[]): RuntimeDefinition['failures'] {
  return rules.flatMap((r) =>
    definedKind(r.kind) ? [{ kind: r.kind, match: r.match.source }] : [],
  );
}

/** A built-in's resume as the words it adds, read back from the command it makes. */
function resumeWords(profile: RuntimeProfile): string | null {
  if (profile.resume === undefined) return null;
  const marker = 'ID0';
  const made = profile.resume('COMMAND', marker);
  return made.replace(/^COMMAND /, '').replace(marker, '{id}');
}

const sources = (res: readonly RegExp[]): string[] => res.map((r) => r.source);

/** The profile's data as a runtime definition; `parts` what its screen reader holds. */
export function definitionOf(
  profile: RuntimeProfile,
  parts: DefinitionParts = {},
): RuntimeDefinition {
  return {
    ...(parts.about === undefined ? {} : { about: parts.about }),
    command: profile.defaultCommand,
    ...(profile.program === null ? {} : { program: profile.program.source }),
    env: profile.env({ root: false }),
    ...(parts.screen === undefined ? {} : { screen: parts.screen }),
    dialogs: (parts.dialogs ?? []).map((d) => ({
      id: d.id,
      match: sources(d.match),
      choose: d.choose.source,
    })),
    blockers: (parts.blockers ?? []).map((b) => ({ match: sources(b.match), why: b.why })),
    failures: failuresOf(parts.failures ?? []),
    submit: {
      keys: [...profile.submit.keys],
      delay: `${profile.submit.delayMs}ms`,
    },
    hooks: parts.hooks ?? null,
    model: profile.capabilities.model,
    resume: resumeWords(profile),
  };
}
