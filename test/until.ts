/** Waits, at most 10 s, for `done` to hold, asking every 20 ms; resolves whether it does at the end. */
export async function until(done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done();
}
