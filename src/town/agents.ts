// The one list of a town's agents: mayor, deacon, and each rig's witness, refinery and crew.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from './identity.js';
import { nameProblem } from './identity.js';
import { readRigs } from './layout.js';

/** The crew members of `rig`: the folders under <rig>/crew with valid names, sorted. */
export function listCrew(root: string, rig: string): string[] {
  try {
    return readdirSync(join(root, rig, 'crew'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && nameProblem('crew', e.name) === undefined)
      .map((e) => e.name)
      .sort();
  } catch {
    return []; // a rig without a crew folder has no crew
  }
}

/** Every agent the town has, in a stable order. */
export function townAgents(root: string): Identity[] {
  const agents: Identity[] = [{ role: 'mayor' }, { role: 'deacon' }];
  for (const rig of Object.keys(readRigs(root).rigs)) {
    if (nameProblem('rig', rig) !== undefined) continue;
    agents.push({ role: 'witness', rig }, { role: 'refinery', rig });
    for (const name of listCrew(root, rig)) agents.push({ role: 'crew', rig, name });
  }
  return agents;
}
