// Lifecycle requests run in parallel across agents and in order within one agent.
import type { Message } from '../store/store.js';

/**
 * Runs `fn` over messages, at most `limit` agents at once, each agent's messages in order.
 * A failure stops only that agent's group (its later requests keep their order for the next
 * pass); every worker is waited for before the first failure is thrown, so nothing is still
 * running when the caller retries.
 */
export async function runByAgent(
  batch: readonly Message[],
  limit: number,
  fn: (msg: Message) => Promise<unknown>,
): Promise<void> {
  const groups = new Map<string, Message[]>();
  for (const msg of batch) groups.set(msg.from, [...(groups.get(msg.from) ?? []), msg]);
  const queue = [...groups.values()];
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      try {
        for (const msg of group) await fn(msg);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
