// How often the event loop came round while some work ran: a chain of setImmediate callbacks
// counts the turns. Work that yields between its pieces lets the chain run once per turn; work
// done in one turn leaves the count near zero. A count, never a time.

/** Runs `work`, counting the event-loop turns until it settles. */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const count = () => {
    if (!running) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  try {
    const value = await work();
    return { value, turns };
  } finally {
    running = false;
  }
}
