// The hostile-mail generator of the fuzz suite: seeded, and every message it makes is broken
// or unwanted in at least one way the protocol must catch; none is a request an agent really makes.
import type { NewMessage } from '../../src/store/store.js';
import type { Rng } from './helpers.js';

/** The one request id that would be genuine: the generator never produces it. */
export const GENUINE_ID = 'rq-genuine0000';
export const HOUR = 3_600_000;
/** Shell, backtick and tmux-format forms of one command: any that ran would leave a file in the town. */
const PWN =
  '$(touch "$GT_TOWN_ROOT/pwned") `touch "$GT_TOWN_ROOT/pwned"` #(touch "$GT_TOWN_ROOT/pwned"); touch "$GT_TOWN_ROOT/pwned" #{pane_pid}';

// The pieces the generator combines. Every message it makes is broken or unwanted in at
// least one way the protocol must catch; none is a request an agent is really making.
const ADDRESSES = [
  'alpha/crew/max',
  'alpha-crew-max',
  'alpha/crew/max/',
  'alpha/crew/ann',
  'alpha-crew-ann',
  'alpha/witness',
  'alpha-refinery',
  'mayor',
  'mayor/',
  'deacon',
];
const MANGLED_ADDRESSES = [
  '',
  ' ',
  '/',
  '//',
  '../../../sibling/decoy',
  'alpha/crew/../../../sibling',
  'alpha/crew/max/../../../../etc',
  '/etc/passwd',
  '/',
  'alpha/crew/MAX',
  'ALPHA/crew/max',
  ' alpha/crew/max',
  'alpha/crew/max ',
  'alpha/crew/max\n',
  'alpha/crew/max\0',
  'alpha\\crew\\max',
  'alpha//crew/max',
  'alpha/crew//max',
  'alpha/crew/max/extra',
  'alpha/crew/',
  'alpha/crew',
  'alpha-crew-',
  '-crew-max',
  'alpha--crew-max',
  'alpha-crew-max-',
  'alpha/witness/',
  'alpha/witness/x',
  'alpha/refinery/rig',
  'alpha/crew/ghost',
  'beta/crew/max',
  'gamma-witness',
  '\u0430lpha/crew/max',
  'alpha/crew/m\u0430x',
  'alpha/crew/$(touch "$GT_TOWN_ROOT/pwned")',
  'alpha/crew/`touch "$GT_TOWN_ROOT/pwned"`',
  'alpha/crew/#(touch "$GT_TOWN_ROOT/pwned")',
  `alpha/crew/max';touch "$GT_TOWN_ROOT/pwned";'`,
  'alpha/crew/max\u202e',
  'mayor/../deacon',
  'mayor//',
  'MAYOR',
  'deacon/x',
  'x'.repeat(300),
  'alpha/crew/' + 'm'.repeat(41),
  'alpha/crew/crew',
  'alpha/crew/witness',
  '\u001b[31malpha/crew/max',
];
const SUBJECTS = [
  'LIFECYCLE: alpha/crew/max requesting cycle',
  'lifecycle: please',
  'LiFeCyClE:restart',
  '   LIFECYCLE:',
  '\tLIFECYCLE: x',
  '\n\nLIFECYCLE: x',
  'LIFECYCLE : x',
  'LIFECYCLE',
  'LIFE CYCLE: x',
  'Re: LIFECYCLE: x',
  'L\u0130FECYCLE: x',
  'hello deacon',
  '',
  ' ',
  '\u0000LIFECYCLE: x',
  'LIFECYCLE: \u001b]0;pwned\u0007',
  `LIFECYCLE: ${PWN}`,
  'LIFECYCLE: #{session_name} #{pane_pid}',
];
const ACTIONS = [
  'cycle',
  'restart',
  'shutdown',
  'stop',
  'CYCLE',
  ' Cycle ',
  'explode',
  'start',
  '',
];

function requestId(rand: Rng): unknown {
  return rand.pick<unknown>([
    `rq-dup${rand.int(0, 9)}`,
    `rq-dup${rand.int(0, 9)}`,
    'rq-genuine000',
    'rq-genuine00000',
    'RQ-GENUINE0000',
    '../../etc/passwd',
    `rq-${PWN}`,
    '',
    'x'.repeat(129),
    'x'.repeat(128),
    123,
    null,
    ['rq-dup1'],
    { id: 'rq-dup1' },
    true,
  ]);
}

/** Mostly small; now and then up to `huge` (a few huge ones, not gigabytes of them). */
function size(rand: Rng, huge: number): number {
  return rand.chance(0.01) ? rand.int(huge / 2, huge) : rand.int(0, 2000);
}

function body(rand: Rng): string {
  const action = rand.pick(ACTIONS);
  switch (rand.int(0, 17)) {
    case 0:
      return action;
    case 1:
      return JSON.stringify({ action, request_id: requestId(rand) });
    case 2:
      return JSON.stringify({ action, request_id: requestId(rand), note: PWN });
    case 3:
      return `please do this\naction: ${action}\nthanks`;
    case 4:
      return `{"action":"${action}"`;
    case 5:
      return rand.pick([
        '',
        ' ',
        '\n',
        '{}',
        '[]',
        'null',
        '"cycle"',
        '1e999',
        '{"action":["cycle"]}',
      ]);
    case 6:
      return '{"__proto__":{"action":"cycle"},"constructor":{"prototype":{"action":"cycle"}}}';
    case 7:
      return '['.repeat(size(rand, 200_000));
    case 8:
      return `{"action":"cycle","pad":"${'a'.repeat(size(rand, 2_000_000))}"`;
    case 9:
      return `${' '.repeat(size(rand, 100_000))}action:${' '.repeat(size(rand, 100_000))}x`;
    case 10:
      return String.fromCharCode(
        ...Array.from({ length: rand.int(1, 200) }, () => rand.int(0, 31)),
      );
    case 11:
      return `\ud800${action}\udfff`;
    case 12:
      return `\u001b[2J\u001b]0;pwned\u0007${action}\u009b31m`;
    case 13:
      return JSON.stringify({ action: 'cycle', request_id: `rq-dup${rand.int(0, 3)}` });
    case 14:
      return `action: ${action}\u0000`;
    case 15:
      return PWN;
    case 16:
      return JSON.stringify({ action, request_id: GENUINE_ID.toUpperCase() });
    default:
      return 'x'.repeat(size(rand, 70_000));
  }
}

export interface Generated {
  msg: NewMessage;
  /** Raw bytes to put in place of the subject or body: invalid UTF-8 the store API cannot write. */
  raw?: { column: 'subject' | 'body' | 'from_addr'; bytes: Buffer };
  /** A created_at the store API would refuse to make an id from. */
  createdAt?: number;
}

const INVALID_UTF8 = [
  [0xff, 0xfe, 0xfd],
  [0xc3, 0x28],
  [0xe2, 0x28, 0xa1],
  [0xf0, 0x28, 0x8c, 0x28],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0x4c, 0x49, 0x46, 0x45, 0x43, 0x59, 0x43, 0x4c, 0x45, 0x3a, 0x20, 0xff],
];

/**
 * One hostile message, sent before `askedAt` (when ann, the one agent asking for anything,
 * asked): nothing it says can be ann's current request, whatever else it gets right.
 */
export function generate(rand: Rng, askedAt: number): Generated {
  return rand.chance(0.3)
    ? nearMiss(rand, askedAt)
    : { msg: anything(rand, askedAt), ...oddities(rand, askedAt) };
}

/**
 * A request as gt handoff would send it from a real agent of the town, fresh and verified,
 * with one thing wrong: what only the deeper checks (state, ids, time) can catch.
 */
function nearMiss(rand: Rng, askedAt: number): Generated {
  const from = rand.pick([
    'alpha/crew/max',
    'alpha/crew/ann',
    'alpha-crew-ann',
    'alpha/witness',
    'mayor',
  ]);
  const action = rand.pick(['cycle', 'restart', 'shutdown']);
  const msg: NewMessage = {
    from,
    to: 'deacon',
    subject: `LIFECYCLE: ${from} requesting ${action}`,
    body: JSON.stringify({ action, request_id: `rq-dup${rand.int(0, 9)}` }),
    priority: 'high',
    type: 'lifecycle',
    senderVerified: true,
    createdAt: askedAt - rand.int(1, 30 * 60_000),
  };
  switch (rand.int(0, 6)) {
    case 0: // no id at all: only the agent's state (or the time of its ask) stops it
      msg.body = rand.pick([action, `action: ${action}`, JSON.stringify({ action })]);
      break;
    case 1: // an id that is almost the genuine one
      msg.body = JSON.stringify({
        action,
        request_id: rand.pick([GENUINE_ID.slice(1), `${GENUINE_ID} `, GENUINE_ID.toUpperCase()]),
      });
      break;
    case 2:
      msg.senderVerified = false;
      msg.body = JSON.stringify({ action: 'cycle' });
      break;
    case 3:
      msg.createdAt = askedAt - rand.int(HOUR + 1000, 10 * HOUR);
      break;
    case 4:
      msg.createdAt = askedAt + rand.int(6 * 60_000, HOUR);
      break;
    case 5:
      msg.from = rand.pick(MANGLED_ADDRESSES);
      break;
    default: // the same id again and again (duplicated requests)
      msg.body = JSON.stringify({ action: 'cycle', request_id: 'rq-dup0' });
  }
  return { msg };
}

function anything(rand: Rng, askedAt: number): NewMessage {
  const from = rand.chance(0.5) ? rand.pick(ADDRESSES) : rand.pick(MANGLED_ADDRESSES);
  const age = rand.pick([
    () => rand.int(1, HOUR - 60_000), // fresh
    () => rand.int(HOUR + 1000, 100 * 24 * HOUR), // too old
    () => rand.int(6 * 60_000, 1000 * 24 * HOUR) * -1, // from the future, past the tolerated skew
    () => askedAt - rand.int(0, 1000), // near the epoch
  ])();
  return {
    from,
    to: 'deacon',
    subject: rand.chance(0.8) ? rand.pick(SUBJECTS) : body(rand).slice(0, 2000),
    body: body(rand),
    priority: rand.pick(['low', 'normal', 'high', 'urgent'] as const),
    type: rand.pick(['lifecycle', 'message', '', '$(touch "$GT_TOWN_ROOT/pwned")']),
    senderVerified: rand.chance(0.5),
    createdAt: askedAt - age,
  };
}

function oddities(rand: Rng, askedAt: number): Omit<Generated, 'msg'> {
  const out: Omit<Generated, 'msg'> = {};
  if (rand.chance(0.03)) {
    const column = rand.pick(['subject', 'body', 'from_addr'] as const);
    out.raw = { column, bytes: Buffer.from(rand.pick(INVALID_UTF8)) };
  }
  if (rand.chance(0.01)) {
    out.createdAt = rand.pick([
      -1,
      -8.64e15,
      8.64e15,
      2 ** 53,
      0,
      askedAt + 1000 * HOUR * 24 * 365,
    ]);
  }
  return out;
}
