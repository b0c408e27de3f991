// The daemon lock's abstract socket name is how every gt finds the town's daemon; a name
// that changed between builds would let a second daemon start beside an older one.
import { createHash } from 'node:crypto';
import { realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockName } from '../../src/daemon/lock.js';
import { tempDir } from '../helpers/temp.js';

describe('lockName', () => {
  it('is the first 128 bits of SHA-256 over host and real path, as every build has named it', () => {
    const root = tempDir('town');
    const digest = createHash('sha256')
      .update(`host-a\0${realpathSync(root)}`)
      .digest('hex')
      .slice(0, 32);
    expect(lockName(root, 'host-a')).toBe(`\0gastown-daemon-${digest}`);
  });

  it('names one town the same through a symlink, and differs by host and by town', () => {
    const root = tempDir('town');
    const link = join(tempDir('link'), 'town');
    symlinkSync(root, link);
    expect(lockName(link, 'h')).toBe(lockName(root, 'h'));
    expect(lockName(root, 'h')).not.toBe(lockName(root, 'other'));
    expect(lockName(root, 'h')).not.toBe(lockName(tempDir('town'), 'h'));
  });
});
