// Any program as an agent: no dialogs, no screen gastown-ts can read, no model; ready once its
// process runs (liveness tells the rest), and what is typed into it is typed blind.
import { definitionOf } from './definition.js';
import type { RuntimeProfile } from './profile.js';

export const shell: RuntimeProfile<'shell'> = {
  name: 'shell',
  recordedVersion: null,
  // Every program no other runtime claims runs as a shell runtime (runtime/index.ts).
  program: null,
  defaultCommand: 'sh',
  env: () => ({}),
  capabilities: { screen: false, model: false },
  read: () => ({ activity: 'ready', inputEmpty: true, input: '' }),
  classify: () => undefined,
  hooks: null,
  submit: { keys: ['Enter'], delayMs: 0 },
  definition: () => definitionOf(shell),
};
