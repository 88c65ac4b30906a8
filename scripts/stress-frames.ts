/**
 * `npm run stress:frames [-- --cases 100000 --seed N]`: the frame fuzzer of
 * test/server/frames.property.test.ts at scale, with a report: cases, connections the server
 * closed, reasons by kind (the server's own log messages), canary checks and duration.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { startServer } from "../src/server/index.js";
import { canary, caseArb, countingLogger, runCase, seedFrames } from "../test/server/frame-fuzz.js";

const { values } = parseArgs({
  options: { cases: { type: "string", default: "100000" }, seed: { type: "string" } },
});
const CASES = Number(values.cases);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-stress-frames-"));
  const log = countingLogger();
  const server = await startServer({
    port: 0,
    tickTime: 50,
    dataDir: dir,
    forceSync: false,
    fourLetterWords: "*",
    snapCount: 5000,
    logger: log.logger,
  });
  const started = performance.now();
  let cases = 0;
  let answered = 0;
  let failure: unknown = null;
  try {
    const c = await canary(server.port);
    await fc.assert(
      fc.asyncProperty(caseArb(seedFrames()), async (fuzz) => {
        const { bytesBack } = await runCase(server.port, fuzz);
        if (bytesBack > 0) answered++;
        await c.check();
        if (++cases % 10_000 === 0) console.error(`… ${cases} cases`);
      }),
      { numRuns: CASES, ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}) },
    );
    await c.client.close();
  } catch (err) {
    failure = err;
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const closedByServer = [...log.kinds]
    .filter(([k]) => /closing|invalid session|refusing|handshake/i.test(k))
    .reduce((n, [, v]) => n + v, 0);
  console.log(`cases:                 ${cases}`);
  console.log(`duration:              ${seconds.toFixed(1)} s (${Math.round(cases / seconds)} cases/s)`);
  console.log(`connections answered:  ${answered} (server sent at least one byte)`);
  console.log(`closed by the server:  ${closedByServer} (the rest ended at the client's FIN)`);
  console.log(
    `server errors logged:  ${log.errors.length}${log.errors.length > 0 ? ` → ${log.errors.slice(0, 5).join("; ")}` : ""}`,
  );
  console.log("reasons by kind:");
  for (const [k, v] of [...log.kinds].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(v).padStart(8)}  ${k}`);
  if (failure !== null || log.errors.length > 0) {
    console.error(failure);
    process.exitCode = 1;
  } else console.log("result:                OK (no crash; canary session intact after every case)");
}

void main();
