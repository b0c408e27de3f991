// Who am I, for every command that acts for an agent: --identity/--from, else GT_ROLE (an
// address, or Gas Town's bare role word with GT_RIG/GT_CREW), else the working directory
// (inside a crew clone, a witness or refinery folder, or mayor/), else the mayor.
import { relative } from 'node:path';
import type { Identity } from './identity.js';
import { identityFromWorkDir, parseIdentity } from './identity.js';

export interface WhoAmIInput {
  /** --identity or --from, when given. */
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The town root, to read the working directory against. */
  root: string;
}

/** The agent GT_ROLE names, or undefined when it names none (unset, or a bare word without its rig). */
export function identityFromRole(env: NodeJS.ProcessEnv): Identity | undefined {
  const role = env.GT_ROLE;
  if (role === undefined || role === '') return undefined;
  const rig = env.GT_RIG ?? '';
  switch (role) {
    case 'crew':
      return env.GT_CREW && rig ? parseIdentity(`${rig}/crew/${env.GT_CREW}`) : undefined;
    case 'witness':
    case 'refinery':
      return rig ? parseIdentity(`${rig}/${role}`) : undefined;
    case 'polecat':
      return undefined; // a Gas Town role this town does not run
    default:
      // An address (throws with a clear message when it is not one).
      return parseIdentity(role);
  }
}

export function whoAmI(input: WhoAmIInput): Identity {
  if (input.flag !== undefined) return parseIdentity(input.flag);
  const fromRole = identityFromRole(input.env);
  if (fromRole !== undefined) return fromRole;
  const rel = relative(input.root, input.cwd);
  if (rel !== '' && !rel.startsWith('..') && !rel.startsWith('/')) {
    const fromDir = identityFromWorkDir(rel);
    if (fromDir !== undefined) return fromDir;
  }
  return { role: 'mayor' };
}
