/** `overseer workers`: the live workers with capacity, load, labels and task types. */
import type { Command } from "commander";
import { addConnectionOptions, withClient, type ConnectionFlags } from "../connection.js";
import { printJson } from "../output.js";
import { layoutOf, readWorkerRows } from "./status.js";

export function registerWorkersCommand(program: Command): void {
  addConnectionOptions(
    program
      .command("workers")
      .description("list live workers: capacity, load, labels, task types, host and pid"),
  ).action(async (flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const workers = await withClient(flags, (c) => readWorkerRows(c, layout));
    if (flags.json) {
      printJson(workers);
      return;
    }
    if (workers.length === 0) {
      console.log("no live workers (start one with `overseer worker --handlers <module>`)");
      return;
    }
    for (const w of workers) {
      const types = [...w.types, ...(w.raw ? ["(raw)"] : [])].join(",") || "-";
      const labels = w.labels.join(",") || "-";
      const draining = w.capacity === 0 ? "  draining" : "";
      console.log(
        `${w.id}  load ${w.load}/${w.capacity}  types ${types}  labels ${labels}  ${w.host} pid ${w.pid}${draining}`,
      );
    }
  });
}
