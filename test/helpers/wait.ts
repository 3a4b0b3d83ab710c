// Waiting in tests for something another process or a worker does "soon": poll, never sleep a
// fixed time and never assert on how long it took.

/**
 * Calls `probe` every 50 ms until it gives a value (anything but undefined, null or false) and
 * returns that value; fails naming `what` once `timeoutMs` has passed.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
