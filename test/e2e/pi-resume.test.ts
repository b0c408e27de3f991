// A real Pi agent killed while busy, or lost with its tmux server, comes back in the same
// conversation (`pi --session <id>`); its session file deleted, fresh once with the daemon's
// note.
import { piTown } from '../helpers/pi.js';
import { KEPT, resumeSuite } from '../helpers/resume-scenarios.js';

resumeSuite('Pi', () => piTown({ settings: KEPT }), { transcript: true });
