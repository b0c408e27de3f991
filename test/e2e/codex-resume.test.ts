// A real Codex agent killed while busy, or lost with its tmux server, comes back in the same
// conversation (`codex resume <id>`, the id its hooks reported, its rollout file appended to);
// its rollout deleted, fresh once.
import { codexTown } from '../helpers/codex.js';
import { KEPT, resumeSuite } from '../helpers/resume-scenarios.js';

resumeSuite('Codex', () => codexTown({ settings: KEPT }), { transcript: true });
