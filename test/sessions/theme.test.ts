import { describe, expect, it } from 'vitest';
import { parseIdentity, placeOf } from '../../src/town/identity.js';
import {
  DEACON_COLOURS,
  MAYOR_COLOURS,
  RIG_PALETTE,
  ROLE_ICONS,
  coloursFor,
  rigColours,
  statusLine,
  themeFor,
} from '../../src/sessions/theme.js';

describe('rig colours', () => {
  it('has ten distinct pairs, none of them the mayor’s gold or the deacon’s purple', () => {
    expect(RIG_PALETTE).toHaveLength(10);
    expect(new Set(RIG_PALETTE.map((p) => p.bg)).size).toBe(10);
    for (const pair of RIG_PALETTE) {
      expect(pair.bg).not.toBe(MAYOR_COLOURS.bg);
      expect(pair.bg).not.toBe(DEACON_COLOURS.bg);
    }
  });

  // rig → palette entry: fnv1a32(rig) % 10 (gastown 0x48ca0d6a, alpha 0x5d8b6dab, beta 0xaf81e4c7 …).
  // A fixed table: changing the palette order or the hash would recolour every existing town.
  it.each([
    ['gastown', 8],
    ['alpha', 7],
    ['beta', 1],
    ['my-rig', 2],
    ['x', 5],
    ['a', 0],
  ])('%s takes palette entry %i', (rig, index) => {
    expect(rigColours(rig)).toBe(RIG_PALETTE[index]);
  });

  it('gives every agent of a rig the same colours, whatever its role', () => {
    const rig = rigColours('gastown');
    for (const address of [
      'gastown/witness',
      'gastown/refinery',
      'gastown/crew/max',
      'gastown/crew/joe',
    ]) {
      expect(coloursFor(parseIdentity(address))).toBe(rig);
    }
  });

  it('uses the whole palette over many rigs', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => rigColours(`rig${i}`).bg));
    expect(used.size).toBe(10);
  });
});

describe('themeFor and statusLine', () => {
  it.each([
    ['mayor', MAYOR_COLOURS, `${ROLE_ICONS.mayor} mayor`, 'town'],
    ['deacon/', DEACON_COLOURS, `${ROLE_ICONS.deacon} deacon`, 'town'],
    [
      'gastown-witness',
      rigColours('gastown'),
      `${ROLE_ICONS.witness} gastown/witness`,
      'rig gastown',
    ],
    [
      'gastown/refinery',
      rigColours('gastown'),
      `${ROLE_ICONS.refinery} gastown/refinery`,
      'rig gastown',
    ],
    [
      'gastown-crew-max',
      rigColours('gastown'),
      `${ROLE_ICONS.crew} gastown/crew/max`,
      'rig gastown',
    ],
  ])('%s', (address, colours, line, right) => {
    const agent = placeOf('/town', parseIdentity(address));
    expect(statusLine(agent)).toBe(line);
    expect(themeFor(agent)).toEqual({
      bg: colours.bg,
      fg: colours.fg,
      statusLeft: line,
      statusRight: right,
    });
  });

  it('gives each role its own icon', () => {
    expect(new Set(Object.values(ROLE_ICONS)).size).toBe(5);
  });

  it('is deterministic', () => {
    const agent = placeOf('/town', parseIdentity('alpha/crew/max'));
    expect(themeFor(agent)).toEqual(themeFor(placeOf('/town', parseIdentity('alpha-crew-max'))));
  });
});
