// The in-memory test double answers as the real backends do: it passes their suite.
import { MemoryStore } from '../helpers/memory-store.js';
import { storeSuite } from './store-suite.js';
import { usageSuite } from './usage-suite.js';

storeSuite('memory (test double)', () => Promise.resolve(new MemoryStore()));
usageSuite('memory (test double)', () => Promise.resolve(new MemoryStore()));
