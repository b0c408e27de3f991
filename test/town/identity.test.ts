import { describe, expect, it } from 'vitest';
import {
  addressPatternProblem,
  bdActor,
  canonicalAddress,
  formatAddress,
  identityFromSession,
  identityFromWorkDir,
  matchesAddressPattern,
  nameProblem,
  parseIdentity,
  sessionName,
  stateFilePath,
  workDirPath,
} from '../../src/town/identity.js';
import { BadIdentityError } from '../../src/errors.js';

const TOWN = '/town';

// Every case the seed's identityToSession, identityToStateFile and identityToBDActor handle.
const SEED_CASES: Array<[input: string, session: string, stateFile: string, actor: string]> = [
  ['mayor', 'gt-mayor', '/town/mayor/state.json', 'mayor'],
  ['gastown-witness', 'gt-gastown-witness', '/town/gastown/witness/state.json', 'gastown/witness'],
  [
    'gastown-refinery',
    'gt-gastown-refinery',
    '/town/gastown/refinery/state.json',
    'gastown/refinery',
  ],
  [
    'gastown-crew-max',
    'gt-gastown-crew-max',
    '/town/gastown/crew/max/state.json',
    'gastown/crew/max',
  ],
  [
    'my-rig-crew-joe_2',
    'gt-my-rig-crew-joe_2',
    '/town/my-rig/crew/joe_2/state.json',
    'my-rig/crew/joe_2',
  ],
];

describe('parseIdentity: the seed dash forms', () => {
  it.each(SEED_CASES)(
    '%s → session %s, state %s, BD_ACTOR %s',
    (input, session, stateFile, actor) => {
      const id = parseIdentity(input);
      expect(sessionName(id)).toBe(session);
      expect(stateFilePath(TOWN, id)).toBe(stateFile);
      expect(bdActor(id)).toBe(actor);
    },
  );

  it('deacon keeps its own name and files', () => {
    const id = parseIdentity('deacon');
    expect(sessionName(id)).toBe('gt-deacon');
    expect(stateFilePath(TOWN, id)).toBe('/town/deacon/state.json');
    expect(workDirPath(TOWN, id)).toBe('/town/deacon');
  });
});

describe('parseIdentity: slash forms', () => {
  const cases: Array<[string, string]> = [
    ['mayor', 'mayor'],
    ['mayor/', 'mayor'],
    ['deacon/', 'deacon'],
    ['gastown/witness', 'gastown/witness'],
    ['gastown/witness/', 'gastown/witness'],
    ['gastown/refinery', 'gastown/refinery'],
    ['gastown/crew/max', 'gastown/crew/max'],
    ['a1_b-c/crew/d-e_f', 'a1_b-c/crew/d-e_f'],
  ];
  it.each(cases)('%s is %s', (input, canonical) => {
    expect(canonicalAddress(input)).toBe(canonical);
  });

  it('slash and dash forms name the same agent', () => {
    expect(sessionName(parseIdentity('gastown/crew/max'))).toBe(
      sessionName(parseIdentity('gastown-crew-max')),
    );
  });

  it('work dirs follow the layout', () => {
    expect(workDirPath(TOWN, parseIdentity('mayor'))).toBe('/town');
    expect(workDirPath(TOWN, parseIdentity('r/witness'))).toBe('/town/r/witness');
    expect(workDirPath(TOWN, parseIdentity('r/refinery'))).toBe('/town/r/refinery/rig');
    expect(workDirPath(TOWN, parseIdentity('r/crew/x'))).toBe('/town/r/crew/x');
  });
});

describe('parseIdentity: ambiguous dash forms resolve one way', () => {
  it('a-crew-b-crew-c is crew b-crew-c of rig a', () => {
    expect(parseIdentity('a-crew-b-crew-c')).toEqual({ role: 'crew', rig: 'a', name: 'b-crew-c' });
  });
  it('x-crew-y-witness is crew y-witness of rig x, not the witness of rig x-crew-y', () => {
    expect(parseIdentity('x-crew-y-witness')).toEqual({
      role: 'crew',
      rig: 'x',
      name: 'y-witness',
    });
  });
  it('a rig whose name would make dash forms ambiguous is refused', () => {
    expect(nameProblem('rig', 'a-crew')).toMatch(/-crew/);
    expect(nameProblem('rig', 'x-crew-y')).toMatch(/-crew-/);
    expect(nameProblem('rig', 'x-witness')).toMatch(/-witness/);
    expect(nameProblem('rig', 'x-refinery')).toMatch(/-refinery/);
    expect(() => parseIdentity('a-crew/witness')).toThrow(BadIdentityError);
  });
  it('every session name maps back to the identity that made it', () => {
    for (const text of [
      'mayor',
      'deacon',
      'r/witness',
      'r/refinery',
      'r/crew/x',
      'a-b/crew/c-d',
      'a/crew/b-crew-c',
    ]) {
      const id = parseIdentity(text);
      expect(identityFromSession(sessionName(id))).toEqual(id);
    }
    expect(identityFromSession('work')).toBeUndefined();
    expect(identityFromSession('gt-nonsense')).toBeUndefined();
  });
});

describe('parseIdentity: hostile input is refused before any path is built', () => {
  const hostile = [
    '',
    '/',
    '../x',
    'a/../../b',
    'rig/crew/..',
    'rig/crew/.',
    '../witness',
    '/etc/witness',
    'rig/crew/a/b',
    'rig/crew/',
    'Rig/witness',
    'MAYOR',
    'x'.repeat(200),
    `${'a'.repeat(41)}/witness`,
    'rig/crew/ünïcode',
    'rig/crew/a\0b',
    'rig\0/witness',
    'rig/crew/a b',
    'rig/crew/$(touch x)',
    'rig/crew/a;b',
    'rig/crew/-a',
    'rig/crew/a-',
    'rig/crew/a--b',
    'rig/crew/crew',
    'witness/witness',
    'mayor/witness',
    'rig//witness',
    'rig/polecat/x',
    'gt-rig-witness-',
    '-witness',
    '-crew-x',
    'rig-crew-',
    'mayor//',
    'unknown',
  ];
  it.each(hostile.map((h) => [JSON.stringify(h), h]))('%s', (_shown, text) => {
    expect(() => parseIdentity(text)).toThrow(BadIdentityError);
  });

  it('a 40-character name is fine, 41 is not', () => {
    expect(nameProblem('crew', 'a'.repeat(40))).toBeUndefined();
    expect(nameProblem('crew', 'a'.repeat(41))).toMatch(/at most 40/);
  });

  it('role words are not names', () => {
    for (const word of ['mayor', 'deacon', 'witness', 'refinery', 'crew']) {
      expect(nameProblem('rig', word)).toMatch(/role word/);
      expect(nameProblem('crew', word)).toMatch(/role word/);
    }
  });
});

describe('address patterns', () => {
  it('accepts addresses and * patterns', () => {
    for (const p of [
      'mayor',
      'deacon/',
      '*/witness',
      '*/refinery',
      'alpha/crew/*',
      '*/crew/*',
      'alpha-crew-max',
    ]) {
      expect(addressPatternProblem(p)).toBeUndefined();
    }
  });
  it('refuses nonsense', () => {
    for (const p of ['*', 'a*/witness', '*/nope', '../*', '*-witness']) {
      expect(addressPatternProblem(p)).toBeDefined();
    }
  });
  it('matches whole names', () => {
    const max = parseIdentity('alpha/crew/max');
    expect(matchesAddressPattern('*/crew/*', max)).toBe(true);
    expect(matchesAddressPattern('alpha/crew/*', max)).toBe(true);
    expect(matchesAddressPattern('beta/crew/*', max)).toBe(false);
    expect(matchesAddressPattern('*/witness', max)).toBe(false);
    expect(matchesAddressPattern('alpha-crew-max', max)).toBe(true);
    expect(matchesAddressPattern('mayor', parseIdentity('mayor/'))).toBe(true);
  });
});

describe('identityFromWorkDir', () => {
  it.each([
    ['', 'mayor'],
    ['mayor', 'mayor'],
    ['deacon', 'deacon'],
    ['alpha/witness', 'alpha/witness'],
    ['alpha/refinery/rig/src/deep', 'alpha/refinery'],
    ['alpha/crew/max/src', 'alpha/crew/max'],
  ])('%s → %s', (rel, address) => {
    const id = identityFromWorkDir(rel);
    expect(id && formatAddress(id)).toBe(address);
  });
  it.each([['alpha'], ['alpha/crew'], ['../x'], ['Alpha/witness'], ['alpha/crew/../..']])(
    '%s → none',
    (rel) => {
      expect(identityFromWorkDir(rel)).toBeUndefined();
    },
  );
});
