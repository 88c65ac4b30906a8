/**
 * `npm run stress:differential [-- --runs 20000 --seed N]`: the differential property of
 * test/differential at scale, with a report of what was exercised (outcome per op: ok or the
 * error code), so a run that agreed only because it never reached a case is visible.
 */
import { isDeepStrictEqual } from "node:util";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { commandsArb, runCommands, type Command } from "../test/differential/model.js";
import { startApache, startEmbedded } from "../test/differential/servers.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "20000" }, seed: { type: "string" } },
});
const RUNS = Number(values.runs);

function outcome(step: unknown): string {
  if (step !== null && typeof step === "object" && "error" in step) return String(step.error);
  return "ok";
}

async function main(): Promise<void> {
  const [embedded, apache] = await Promise.all([startEmbedded(), startApache()]);
  const seen = new Map<string, number>();
  const started = performance.now();
  let runs = 0;
  let commands = 0;
  let events = 0;
  try {
    await fc.assert(
      fc.asyncProperty(commandsArb, async (cmds: Command[]) => {
        const root = `/stress-${++runs}`;
        const ours = await runCommands(embedded.connectString, root, cmds);
        const theirs = await runCommands(apache.connectString, root, cmds);
        if (!isDeepStrictEqual(ours, theirs)) {
          throw new Error(
            `traces differ\nembedded: ${JSON.stringify(ours)}\napache:   ${JSON.stringify(theirs)}`,
          );
        }
        commands += cmds.length;
        events += Object.values(ours.events).reduce((n, e) => n + e.length, 0);
        for (const [i, cmd] of cmds.entries()) {
          const key = `${cmd.op} ${outcome(ours.steps[i])}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS, ...(values.seed === undefined ? {} : { seed: Number(values.seed) }) },
    );
  } finally {
    await Promise.all([embedded.stop(), apache.stop()]);
  }
  const secs = (performance.now() - started) / 1000;
  console.log(
    `${RUNS} runs, ${commands} commands, ${events} watch events: identical traces (${secs.toFixed(1)} s)`,
  );
  console.log("outcomes (op, result → count):");
  for (const [key, n] of [...seen].sort(([a], [b]) => a.localeCompare(b)))
    console.log(`  ${key.padEnd(40)} ${n}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
