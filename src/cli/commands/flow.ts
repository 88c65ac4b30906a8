/** `overseer flow submit <flow.json> [--wait]`: a tree of tasks whose parents run after their children. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InvalidArgumentError } from "../../client/index.js";
import { PayloadTooLargeError, Submitter, type FlowNode, type FlowSubmission } from "../../tasks/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  positiveInt,
  withClient,
  type ConnectionFlags,
} from "../connection.js";
import { printJson } from "../output.js";
import { layoutOf } from "./status.js";

interface FlowFlags extends ConnectionFlags {
  wait?: boolean;
  waitTimeout?: number;
}

const EXAMPLE = `
A flow file is one JSON node; a node is
  { "type": "...", "payload": ..., "options": { ... }, "id"?: "...",
    "children"?: [ nodes ], "onFailure"?: "fail-parent" | "ignore" | "continue" }
Children run first (in parallel); a parent runs once all of its children have finished and reads their
results with ctx.childResults(). onFailure (on a child): fail-parent (default) fails the parent when the
child fails or is cancelled; ignore runs the parent without it; continue runs the parent, which sees the
failure in ctx.childFailures(). Give the root an "id" so that submitting the file again after a failure
completes the same flow instead of starting another.

Example:
  {"type": "report", "id": "nightly", "children": [
    {"type": "export", "payload": {"table": "users"}},
    {"type": "export", "payload": {"table": "orders"}, "onFailure": "continue"}]}
`;

/** The file's JSON (`-`: standard input). */
export function readFlowFile(file: string): FlowNode {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliError(`${file}: ${err instanceof Error ? err.message : String(err)}`, ExitCode.usage);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${file}: not JSON: ${err instanceof Error ? err.message : String(err)}`,
      ExitCode.usage,
    );
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new CliError(`${file}: expected one node {"type", "children"?, …}`, ExitCode.usage);
  return v as FlowNode;
}

export function registerFlowCommand(program: Command): void {
  const flow = program.command("flow").description("submit flows: tasks that run after their children");
  addConnectionOptions(
    flow
      .command("submit <flow.json>")
      .description("submit a flow (- reads standard input); prints the root's id, or its result with --wait")
      .option("-w, --wait", "wait for the root's outcome and print its result; exit 1 if it failed")
      .option("--wait-timeout <ms>", "with --wait: give up after this long (exit 1)", (v) =>
        positiveInt("--wait-timeout", v),
      )
      .addHelpText("after", EXAMPLE),
  ).action(async (file: string, flags: FlowFlags) => {
    const tree = readFlowFile(file);
    const layout = layoutOf(flags);
    await withClient(flags, async (client) => {
      let sub: FlowSubmission;
      try {
        sub = await new Submitter(client, { root: layout.root }).submitFlow(tree);
      } catch (err) {
        if (err instanceof InvalidArgumentError || err instanceof PayloadTooLargeError)
          throw new CliError(`nothing submitted: ${err.message}`, ExitCode.usage);
        throw err;
      }
      const { root } = sub;
      if (!flags.wait) {
        if (flags.json) printJson({ id: root.id, created: sub.created, tasks: sub.ids.length, ids: sub.ids });
        else console.log(sub.created ? root.id : `${root.id} (already submitted)`);
        return;
      }
      const signal = flags.waitTimeout === undefined ? undefined : AbortSignal.timeout(flags.waitTimeout);
      const outcome = await root.outcome(signal).catch((err: unknown) => {
        if (signal?.aborted === true)
          throw new CliError(`${root.id} not finished after ${flags.waitTimeout} ms`, ExitCode.failed);
        throw err;
      });
      if (flags.json) printJson({ id: root.id, ...outcome });
      else if (outcome.state === "done")
        console.log(typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result));
      else
        console.error(
          `${root.id} ${outcome.state}${outcome.state === "failed" ? `: ${outcome.reason}` : ""}`,
        );
      if (outcome.state !== "done") process.exitCode = ExitCode.failed;
    });
  });
}
