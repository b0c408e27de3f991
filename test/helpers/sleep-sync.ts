// Blocking for a moment where no event loop may run (a lock taken before a test file starts).
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepSync(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
