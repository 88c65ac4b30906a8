// Handlers for `overseer worker --handlers examples/handlers.mjs`: one function per task type.
// Run a cluster:
//   overseer server &                                     # embedded ZooKeeper-compatible server on :2181
//   overseer master &                                     # start two for a hot backup
//   overseer worker --handlers examples/handlers.mjs --concurrency 8 &
//   overseer submit resize '{"width":640}' --wait          # prints {"width":320}
//   overseer submit slugify '"Hello, World"' --wait        # prints hello-world

/** @param {{ payload: { width: number }, signal: AbortSignal }} ctx */
async function resize(ctx) {
  ctx.signal.throwIfAborted();
  return { width: Math.round(ctx.payload.width / 2) };
}

/** @param {{ payload: string }} ctx */
function slugify(ctx) {
  return String(ctx.payload)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Reports progress (read with `overseer tasks show <id>`), and stops early if cancelled. */
async function countdown(ctx) {
  for (let n = ctx.payload; n > 0; n--) {
    ctx.signal.throwIfAborted();
    await ctx.progress({ left: n });
    await new Promise((r) => setTimeout(r, 100));
  }
  return "liftoff";
}

export const handlers = { resize, slugify, countdown };
