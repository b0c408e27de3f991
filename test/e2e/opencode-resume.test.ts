// A real OpenCode agent killed while busy, or lost with its tmux server, comes back in the same
// conversation (`opencode --session <id>`); OpenCode keeps conversations in its own database,
// not in files, so the fallback is shown with an id it does not have: fresh once with the
// daemon's note.
import { openCodeTown } from '../helpers/opencode.js';
import { KEPT, resumeSuite } from '../helpers/resume-scenarios.js';

resumeSuite('OpenCode', () => openCodeTown({ settings: KEPT }), {
  bogusId: 'ses_0000000000000000000000000z',
});
