// A real Gemini CLI agent killed while busy, or lost with its tmux server, comes back in the
// same conversation (`gemini --resume <id>`); its chat file deleted, fresh once with the
// daemon's note.
import { geminiTown } from '../helpers/gemini.js';
import { KEPT, resumeSuite } from '../helpers/resume-scenarios.js';

resumeSuite('Gemini CLI', () => geminiTown({ settings: KEPT }), { transcript: true });
