/**
 * Replays one counterexample on both servers and prints the two traces side by side:
 *   npx tsx test/differential/replay.ts '<counterexample JSON as fast-check prints it>'
 */
import { isDeepStrictEqual, inspect } from "node:util";
import type { Command } from "./model.js";
import { runCommands } from "./model.js";
import { startApache, startEmbedded } from "./servers.js";

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: replay.ts '<counterexample JSON>'");
  const parsed = JSON.parse(arg) as Command[] | [Command[]];
  const cmds = (Array.isArray(parsed[0]) ? parsed[0] : parsed) as Command[];
  const servers = await Promise.all([startEmbedded(), startApache()]);
  try {
    const traces = [];
    for (const s of servers) traces.push(await runCommands(s.connectString, "/replay", cmds));
    const [e, a] = traces;
    for (const [i, cmd] of cmds.entries()) {
      const same = isDeepStrictEqual(e?.steps[i], a?.steps[i]);
      console.log(`${same ? "  " : "≠ "}#${i} ${JSON.stringify(cmd)}`);
      console.log(`    embedded: ${inspect(e?.steps[i], { depth: 9, breakLength: Infinity })}`);
      if (!same) console.log(`    apache:   ${inspect(a?.steps[i], { depth: 9, breakLength: Infinity })}`);
    }
    console.log("events embedded:", inspect(e?.events, { depth: 9 }));
    console.log("events apache:  ", inspect(a?.events, { depth: 9 }));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
