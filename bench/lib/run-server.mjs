/**
 * The embedded server from dist/ as the benchmarks run it: `node bench/lib/run-server.mjs <dataDir> [port] [optionsJson]`,
 * plain JavaScript under plain node (no tsx: no loader thread, no esbuild process in its memory, no
 * source-mapped stacks), like `overseer server`. Same protocol as test/server/fixtures/run-server.ts:
 * prints `{"port":N}` once listening, warnings and errors to stderr as JSON lines, SIGUSR2 → a snapshot
 * ({"snapshot":…} on stdout), SIGTERM → graceful close. dist/ must be built (bench/lib/overseer.ts does).
 */
import { startServer } from "../../dist/server/index.js";

const [dataDir, port = "0", extra = "{}"] = process.argv.slice(2);
if (dataDir === undefined) throw new Error("usage: run-server.mjs <dataDir> [port] [optionsJson]");

const line = (level) => (obj, msg) => {
  const rec = typeof obj === "string" ? { msg: obj } : { ...obj, msg };
  process.stderr.write(
    `${JSON.stringify({ level, ...rec }, (_k, v) => (typeof v === "bigint" ? v.toString(16) : v))}\n`,
  );
};
const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: line("warn"), error: line("error") };

const server = await startServer({
  port: Number(port),
  dataDir,
  tickTime: 200,
  logger,
  ...JSON.parse(extra),
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on("SIGUSR2", () => {
  void server.takeSnapshot().then((snapshot) => process.stdout.write(`${JSON.stringify({ snapshot })}\n`));
});
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
