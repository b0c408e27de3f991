// Any program as an agent: no dialogs, ready once its process runs (liveness tells the rest).
import type { RuntimeProfile } from './profile.js';

export const shell: RuntimeProfile = {
  name: 'shell',
  recordedVersion: null,
  defaultCommand: 'sh',
  env: () => ({}),
  dialogs: [],
  read: () => ({ activity: 'ready', inputEmpty: true, input: '' }),
  classify: () => undefined,
  hooks: null,
  submit: { keys: ['Enter'], delayMs: 0 },
};
