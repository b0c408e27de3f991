// A runtime written out as settings data (the `runtimes.<name>` shape), so a person can start a
// runtime of their own from a built-in: `gt config runtime claude`. A built-in reads parts of
// its screen with code the data cannot say; its definition is the nearest data, a start.
import type { RuntimeDefinition } from '../../town/settings-runtimes.js';
import type { DialogRule, RuntimeProfile } from './profile.js';

export interface DefinitionParts {
  screen?: RuntimeDefinition['screen'];
  dialogs?: readonly DialogRule[];
  blockers?: ReadonlyArray<{ match: readonly RegExp[]; why: string }>;
  hooks?: RuntimeDefinition['hooks'];
}

const sources = (res: readonly RegExp[]): string[] => res.map((r) => r.source);

/** The profile's data as a runtime definition; `parts` what its screen reader holds. */
export function definitionOf(
  profile: RuntimeProfile,
  parts: DefinitionParts = {},
): RuntimeDefinition {
  return {
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
    failures: [],
    submit: {
      keys: [...profile.submit.keys],
      delay: `${profile.submit.delayMs}ms`,
    },
    hooks: parts.hooks ?? null,
    model: profile.capabilities.model,
  };
}
