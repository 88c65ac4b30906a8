/**
 * Differential property: random command sequences (every create mode incl. sequential, ephemeral,
 * container and TTL; deletes and setData with versions; multis that commit and that fail; reads
 * with one-shot watches; persistent watches; a session closed mid-run) give the same normalized
 * trace on the embedded server and on Apache ZooKeeper 3.8. DIFFERENTIAL_RUNS (default 300) sets
 * the number of runs; `npm run stress:differential` runs many more.
 */
import assert from "node:assert/strict";
import { inspect, isDeepStrictEqual } from "node:util";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { skipUnlessApacheZooKeeper } from "../harness/apache-zk.js";
import { commandsArb, runCommands, type Command } from "./model.js";
import { startApache, startEmbedded, type DiffServer } from "./servers.js";

/** Counterexamples found before, replayed first in every run. */
const REGRESSIONS: Command[][] = [
  // A createTTL sub-op with a non-TTL mode is a plain create inside a multi (BADARGUMENTS before).
  [
    {
      op: "multi",
      who: "A",
      ops: [
        { op: "create", path: "", data: null, mode: 0, ttl: 30000 },
        { op: "create", path: "", data: null, mode: 0 },
      ],
    },
    { op: "create", path: "", data: null, mode: 0, who: "A" },
  ],
  // A closing session's ephemerals go in unspecified order (Apache: HashSet order): compared sorted.
  [
    { op: "create", who: "B", path: "a", data: "p", mode: 0 },
    { op: "create", who: "B", path: "b", data: "p", mode: 1 },
    { op: "create", who: "B", path: "a/c", data: "p", mode: 3 },
    { op: "addWatch", path: "", recursive: true },
    { op: "create", path: "a/c", data: null, mode: 3, who: "A" },
  ],
  // Failed in clean-clone CI only: with no client B the harness closed the persistent watches without
  // settling, and Apache's NodeDataChanged for the last step sometimes arrived after (fixed in model.ts).
  [
    { op: "create", who: "A", path: "a", data: "p", mode: 0 },
    { op: "create", who: "A", path: "b", data: "p", mode: 5, ttl: 60000 },
    { op: "create", who: "A", path: "a/c", data: "p", mode: 4 },
    { op: "addWatch", path: "a", recursive: false },
    {
      op: "multi",
      who: "A",
      ops: [
        { op: "setData", path: "a", data: "", version: -1 },
        { op: "check", path: "", version: -1 },
      ],
    },
  ],
];

const RUNS = Number(process.env["DIFFERENTIAL_RUNS"] ?? 300);
const skip = skipUnlessApacheZooKeeper();

let servers: DiffServer[] = [];
before(async () => {
  if (skip === false) servers = await Promise.all([startEmbedded(), startApache()]);
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

let run = 0;
test(`embedded server and Apache ZooKeeper agree on ${RUNS} random command sequences`, { skip }, async () => {
  const [embedded, apache] = servers;
  assert.ok(embedded !== undefined && apache !== undefined);
  await fc.assert(
    fc.asyncProperty(commandsArb, async (cmds) => {
      const root = `/diff-${process.pid}-${++run}`;
      const ours = await runCommands(embedded.connectString, root, cmds);
      const theirs = await runCommands(apache.connectString, root, cmds);
      if (!isDeepStrictEqual(ours, theirs)) {
        // fast-check prints only the counterexample: say where the traces part.
        const i = ours.steps.findIndex((step, k) => !isDeepStrictEqual(step, theirs.steps[k]));
        const where =
          i >= 0
            ? `step ${i}: embedded ${inspect(ours.steps[i], { depth: 9 })} vs apache ${inspect(theirs.steps[i], { depth: 9 })}`
            : `events: embedded ${inspect(ours.events, { depth: 9 })} vs apache ${inspect(theirs.events, { depth: 9 })}`;
        // Also on stderr: fast-check's report shows the counterexample, not always the error.
        console.error(`differential: ${root}: traces differ at ${where}`);
        throw new Error(`traces differ at ${where}`);
      }
    }),
    { numRuns: RUNS, examples: REGRESSIONS.map((cmds) => [cmds]) },
  );
});
