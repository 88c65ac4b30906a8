/** `overseer submit <type> [payload]`: one task, N copies, or a JSON-lines file; optionally wait for results. */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { InvalidArgumentError } from "../../client/index.js";
import {
  PayloadTooLargeError,
  Submitter,
  TaskNotFoundError,
  type RemovePolicy,
  type SubmitOptions,
  type TaskHandle,
  type TaskOutcome,
  type TaskSpec,
} from "../../tasks/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  nonNegativeInt,
  positiveInt,
  withClient,
  type ConnectionFlags,
} from "../connection.js";
import { bar, progressLine } from "../demo/progress.js";
import { printJson } from "../output.js";
import { layoutOf } from "./status.js";

/** What addTaskOptions adds. */
export interface TaskFlags {
  priority?: number;
  delay?: number;
  attempts?: number;
  timeout?: number;
  labels?: string;
  group?: string;
  delivery?: SubmitOptions["delivery"];
  maxRequeues?: number;
  removeOnComplete?: RemovePolicy;
  removeOnFail?: RemovePolicy;
}

interface SubmitFlags extends ConnectionFlags, TaskFlags {
  wait?: boolean;
  count?: number;
  file?: string;
  id?: string;
  waitTimeout?: number;
}

/** `true`, a count, or `age:<ms>` (the submit options removeOnComplete / removeOnFail). */
function removePolicy(name: string): (v: string) => RemovePolicy {
  return (v) => {
    if (v === "true") return true;
    if (/^\d+$/.test(v)) return Number(v);
    const age = /^age:(\d+)$/.exec(v);
    if (age !== null) return { age: Number(age[1]) };
    throw new CliError(`${name} must be true, a count or age:<ms>, got "${v}"`, ExitCode.usage);
  };
}

/** Tasks per submitMany call: progress moves, and each call stays a handful of multis. */
const CHUNK = 500;

function int(name: string): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v)) throw new CliError(`${name} must be an integer, got "${v}"`, ExitCode.usage);
    return Number(v);
  };
}

/** JSON if it is JSON; a bare word is a string; something that looks like broken JSON is an error. */
export function parsePayload(text: string | undefined, where = "payload"): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (/^\s*[[{"]/.test(text))
      throw new CliError(
        `${where} is not valid JSON: ${err instanceof Error ? err.message : String(err)} (quote it for your shell: '{"a":1}')`,
        ExitCode.usage,
      );
    return text;
  }
}

/** The options of a task (shared with `overseer schedule add`); read them back with optionsOf. */
export function addTaskOptions(cmd: Command): Command {
  return cmd
    .option("--priority <n>", "higher runs first (default 0)", int("--priority"))
    .option("--delay <ms>", "do not start before this many ms from now", int("--delay"))
    .option("--attempts <n>", "executions allowed in total (default 1 = no retry)", (v) =>
      positiveInt("--attempts", v),
    )
    .option("--timeout <ms>", "per-attempt time limit", (v) => positiveInt("--timeout", v))
    .option("--labels <a,b>", "labels a worker must all have")
    .option("--group <g>", "fair-queueing group (a tenant): groups are served round-robin")
    .addOption(
      new Option("--delivery <mode>", "delivery semantics (docs/SEMANTICS.md)").choices([
        "at-least-once",
        "at-most-once",
        "fenced",
      ]),
    )
    .option(
      "--remove-on-complete <policy>",
      "remove it once done: true, a count (keep the N newest) or age:<ms>",
      removePolicy("--remove-on-complete"),
    )
    .option("--remove-on-fail <policy>", "the same once failed", removePolicy("--remove-on-fail"))
    .option(
      "--max-requeues <n>",
      'poison cap: requeues after a lost worker; one more loss fails the task "worker lost N times" (default 2)',
      (v) => nonNegativeInt("--max-requeues", v),
    );
}

export function optionsOf(flags: TaskFlags): SubmitOptions {
  const o: SubmitOptions = {};
  if (flags.priority !== undefined) o.priority = flags.priority;
  if (flags.delay !== undefined) o.delay = flags.delay;
  if (flags.attempts !== undefined) o.attempts = flags.attempts;
  if (flags.timeout !== undefined) o.timeout = flags.timeout;
  if (flags.delivery !== undefined) o.delivery = flags.delivery;
  if (flags.group !== undefined) o.group = flags.group;
  if (flags.removeOnComplete !== undefined) o.removeOnComplete = flags.removeOnComplete;
  if (flags.removeOnFail !== undefined) o.removeOnFail = flags.removeOnFail;
  if (flags.maxRequeues !== undefined) o.maxRequeues = flags.maxRequeues;
  if (flags.labels !== undefined) o.labels = flags.labels.split(",").filter((l) => l !== "");
  return o;
}

/** One spec per non-empty line: `{"type"?, "payload"?, "id"?, "options"?}`; errors name file:line. */
export function readSpecs(file: string, type: string | undefined, base: SubmitOptions): TaskSpec[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`--file ${file}: ${err instanceof Error ? err.message : String(err)}`, ExitCode.usage);
  }
  const specs: TaskSpec[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const at = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new CliError(
        `${at}: not JSON: ${err instanceof Error ? err.message : String(err)}`,
        ExitCode.usage,
      );
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new CliError(`${at}: expected an object {"type", "payload", "id"?, "options"?}`, ExitCode.usage);
    const o = v as Record<string, unknown>;
    const t = o["type"] ?? type;
    if (typeof t !== "string")
      throw new CliError(
        `${at}: no "type" (give one on the line, or as the <type> argument)`,
        ExitCode.usage,
      );
    const opts = (o["options"] ?? {}) as SubmitOptions;
    const id = o["id"];
    specs.push({
      type: t,
      payload: o["payload"],
      options: { ...base, ...opts, ...(typeof id === "string" ? { id } : {}) },
    });
  });
  if (specs.length === 0) throw new CliError(`--file ${file}: no tasks in it`, ExitCode.usage);
  return specs;
}

function specsOf(type: string | undefined, payload: string | undefined, flags: SubmitFlags): TaskSpec[] {
  const base = optionsOf(flags);
  if (flags.file !== undefined) {
    if (payload !== undefined) throw new CliError("give a payload or --file, not both", ExitCode.usage);
    if (flags.count !== undefined)
      throw new CliError("--count cannot be combined with --file", ExitCode.usage);
    return readSpecs(flags.file, type, base);
  }
  if (type === undefined) throw new CliError("missing <type> (or --file tasks.jsonl)", ExitCode.usage);
  const value = parsePayload(payload);
  const n = flags.count ?? 1;
  if (n === 1) return [{ type, payload: value, options: { ...base, ...(flags.id ? { id: flags.id } : {}) } }];
  return Array.from({ length: n }, (_, i) => ({
    type,
    payload: value,
    options: { ...base, ...(flags.id ? { id: `${flags.id}-${i + 1}` } : {}) },
  }));
}

async function submitAll(submitter: Submitter, specs: TaskSpec[]): Promise<TaskHandle[]> {
  const progress = progressLine();
  const handles: TaskHandle[] = [];
  const started = Date.now();
  for (let i = 0; i < specs.length; i += CHUNK) {
    handles.push(...(await submitter.submitMany(specs.slice(i, i + CHUNK))));
    if (specs.length > 1)
      progress.update(`submitting ${bar(handles.length, specs.length)} ${handles.length}/${specs.length}`);
  }
  if (specs.length > 1) progress.done(`submitted ${specs.length} task(s) in ${Date.now() - started} ms`);
  return handles;
}

async function waitAll(handles: TaskHandle[], timeoutMs: number | undefined): Promise<TaskOutcome[]> {
  const progress = progressLine();
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  let finished = 0;
  const outcomes: TaskOutcome[] = new Array<TaskOutcome>(handles.length);
  let next = 0;
  // Bounded: each wait holds a watch; thousands at once would be fine, but this keeps memory flat.
  const lane = async (): Promise<void> => {
    while (next < handles.length) {
      const i = next++;
      outcomes[i] = await (handles[i] as TaskHandle).outcome(signal);
      finished++;
      if (handles.length > 1)
        progress.update(`waiting    ${bar(finished, handles.length)} ${finished}/${handles.length}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(256, handles.length) }, lane));
  } catch (err) {
    if (signal?.aborted === true)
      throw new CliError(
        `${handles.length - finished} task(s) not finished after ${timeoutMs} ms`,
        ExitCode.failed,
      );
    if (err instanceof TaskNotFoundError)
      throw new CliError(`${err.message} (removed while waiting?)`, ExitCode.failed);
    throw err;
  }
  if (handles.length > 1) progress.done();
  return outcomes;
}

export function registerSubmitCommand(program: Command): void {
  const cmd = program
    .command("submit [type] [payload]")
    .description("submit tasks: payload is JSON (a bare word is a string); prints the task id(s)")
    .option("-w, --wait", "wait for the outcome(s); exit 1 if any failed or was cancelled")
    .option("-n, --count <n>", "submit n copies (ids <id>-1…<id>-n with --id)", (v) =>
      positiveInt("--count", v),
    )
    .option("-f, --file <tasks.jsonl>", 'one task per line: {"type", "payload", "id"?, "options"?}')
    .option("--id <id>", "task id: submitting the same id again gives the same task (default: random)");
  addTaskOptions(cmd).option("--wait-timeout <ms>", "with --wait: give up after this long (exit 1)", (v) =>
    positiveInt("--wait-timeout", v),
  );
  addConnectionOptions(cmd).action(
    async (type: string | undefined, payload: string | undefined, flags: SubmitFlags) => {
      const layout = layoutOf(flags);
      const specs = specsOf(type, payload, flags);
      await withClient(flags, async (client) => {
        const submitter = new Submitter(client, { root: layout.root });
        let handles: TaskHandle[];
        try {
          handles = await submitAll(submitter, specs);
        } catch (err) {
          if (err instanceof InvalidArgumentError || err instanceof PayloadTooLargeError)
            throw new CliError(`nothing submitted: ${err.message}`, ExitCode.usage);
          throw err;
        }
        const created = handles.filter((h) => h.created).length;
        if (!flags.wait) {
          if (flags.json)
            printJson(
              handles.length === 1
                ? { id: handles[0]?.id, created: handles[0]?.created, path: handles[0]?.path }
                : { submitted: handles.length, created, ids: handles.map((h) => h.id) },
            );
          else for (const h of handles) console.log(h.created ? h.id : `${h.id} (already submitted)`);
          return;
        }
        const outcomes = await waitAll(handles, flags.waitTimeout);
        const bad = outcomes.filter((o) => o.state !== "done").length;
        if (flags.json) {
          printJson(
            handles.length === 1
              ? { id: handles[0]?.id, ...outcomes[0] }
              : handles.map((h, i) => ({ id: h.id, ...outcomes[i] })),
          );
        } else if (handles.length === 1) {
          const o = outcomes[0] as TaskOutcome;
          if (o.state === "done")
            console.log(typeof o.result === "string" ? o.result : JSON.stringify(o.result));
          else console.error(`${handles[0]?.id} ${o.state}${o.state === "failed" ? `: ${o.reason}` : ""}`);
        } else {
          console.log(`${outcomes.length - bad} done, ${bad} failed or cancelled, of ${outcomes.length}`);
          outcomes.forEach((o, i) => {
            if (o.state === "failed") console.error(`${handles[i]?.id} failed: ${o.reason}`);
          });
        }
        if (bad > 0) process.exitCode = ExitCode.failed;
      });
    },
  );
}
