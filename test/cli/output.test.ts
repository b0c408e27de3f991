// gt writes standard output with write(2): output larger than any pipe buffer must
// arrive whole, a non-blocking pipe must lose nothing, and a reader that goes away
// early must not turn into an error.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOrHandOver } from '../../src/cli/output.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { GT_BIN, gtOk } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const MESSAGES = 40;
const BODY = 'x'.repeat(60_000); // 40 × 60 kB: 2.4 MB of JSON, far beyond a pipe's buffer

async function bigInbox(): Promise<NodeJS.ProcessEnv> {
  const root = join(tempDir('town'), 'town');
  await gtOk(['install', root]);
  const store = SqliteStore.open(join(root, '.gt', 'town.db'));
  try {
    for (let i = 0; i < MESSAGES; i++)
      await store.sendMessage({
        from: 'deacon',
        to: 'mayor',
        subject: `m${i}`,
        body: BODY,
        priority: 'normal',
        type: 'message',
        senderVerified: false,
      });
  } finally {
    await store.close();
  }
  return { ...process.env, GT_TOWN_ROOT: root };
}

describe('gt standard output', () => {
  it('arrives whole through a pipe, far beyond its buffer', async () => {
    const env = await bigInbox();
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(process.execPath, [GT_BIN, 'mail', 'inbox', 'mayor', '--json'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let [stdout, stderr] = ['', ''];
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect([out.code, out.stderr]).toEqual([0, '']);
    const inbox = JSON.parse(out.stdout) as Array<{ body: string }>;
    expect(inbox).toHaveLength(MESSAGES);
    expect(inbox.every((m) => m.body === BODY)).toBe(true);
  });

  it('a full non-blocking pipe (EAGAIN) hands exactly the unwritten rest over', () => {
    // A FIFO opened non-blocking at both ends, and nobody reading: write(2) fills it, then
    // meets EAGAIN. (Node makes a child's stdio blocking, so this is tested in process.)
    const fifo = join(tempDir('fifo'), 'out');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      const bytes = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
      const handed: Buffer[] = [];
      writeOrHandOver(writeFd, bytes, (left) => handed.push(Buffer.from(left)));
      expect(handed).toHaveLength(1);
      const left = handed[0] ?? Buffer.alloc(0);
      expect(left.length).toBeGreaterThan(0);
      expect(left.length).toBeLessThan(bytes.length);
      // What the pipe holds, then what was handed over, is the whole buffer in order.
      const inPipe = Buffer.alloc(bytes.length);
      let got = 0;
      for (;;) {
        try {
          const n = readSync(readFd, inPipe, got, inPipe.length - got, null);
          if (n === 0) break;
          got += n;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw err;
        }
      }
      expect(Buffer.concat([inPipe.subarray(0, got), left]).equals(bytes)).toBe(true);
    } finally {
      closeSync(writeFd);
      closeSync(readFd);
    }
  });

  it('a reader that stops early (gt … | head) ends gt quietly with exit 0', async () => {
    const env = await bigInbox();
    const child = spawn(process.execPath, [GT_BIN, 'mail', 'inbox', 'mayor', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect([code, stderr]).toEqual([0, '']);
  });
});
