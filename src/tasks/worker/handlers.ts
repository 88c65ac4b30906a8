/**
 * Where a worker's handlers come from and where they run: an object of functions (run on the worker's
 * own event loop), or the path / file: URL of a module exporting them, loaded in the worker
 * (isolation "none") or in each of its sandboxes ("thread", "process": src/tasks/worker/sandbox/).
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError } from "../../client/index.js";
import type { AnyHandler, TaskContext } from "./execution/types.js";
import type { Logger } from "../logger.js";
import { loadHandlerModule } from "./sandbox/load.js";
import type { Isolation } from "./sandbox/messages.js";
import { SandboxPool } from "./sandbox/pool.js";

/** A handler object, or a handler module's path or file: URL. */
export type HandlerSource = Record<string, AnyHandler> | string | URL;

/**
 * Isolation of a worker given a handler module and no `isolation` option. "none": measured, a sandbox
 * costs more than a no-op task does (bench/sandbox.ts, docs/SEMANTICS.md "Sandboxed handlers").
 */
export const DEFAULT_ISOLATION: Isolation = "none";

export interface HandlerSetup {
  isolation: Isolation;
  /** The module's file: URL, or null for a handler object. */
  module: string | null;
  /** Filled at once for a handler object, by load() for a module. */
  map: Map<string, AnyHandler>;
}

export function checkHandlers(handlers: HandlerSource, isolation: Isolation | undefined): HandlerSetup {
  if (typeof handlers === "string" || handlers instanceof URL) {
    const module =
      handlers instanceof URL
        ? handlers.href
        : handlers.startsWith("file:")
          ? handlers
          : pathToFileURL(resolve(handlers)).href;
    return { isolation: isolation ?? DEFAULT_ISOLATION, module, map: new Map() };
  }
  if (handlers === null || typeof handlers !== "object")
    throw new InvalidArgumentError("handlers", "expected { [type]: handler } or a handler module's path");
  if (isolation === "thread" || isolation === "process")
    throw new InvalidArgumentError(
      "handlers",
      `isolation "${isolation}" loads the handlers in each ${isolation === "thread" ? "worker thread" : "child process"} ` +
        "from a module, and functions cannot be sent there: pass the path (or file: URL) of a module that " +
        "exports `handlers = { <type>: (ctx) => result }` instead of the handler object",
    );
  for (const [t, h] of Object.entries(handlers))
    if (typeof h !== "function") throw new InvalidArgumentError(`handlers.${t}`, "expected a function");
  return { isolation: "none", module: null, map: new Map(Object.entries(handlers)) };
}

/**
 * Loads a module's handlers into `setup.map`: the functions themselves (isolation none), or for each
 * exported type a stand-in that runs the task in the pool of sandboxes returned.
 */
export async function loadHandlers(
  setup: HandlerSetup,
  size: number,
  logger: Logger,
): Promise<SandboxPool | null> {
  if (setup.module === null) return null;
  if (setup.isolation === "none") {
    for (const [t, h] of await loadHandlerModule(setup.module)) setup.map.set(t, h);
    return null;
  }
  const pool = new SandboxPool({ kind: setup.isolation, module: setup.module, size, logger });
  for (const t of await pool.start()) setup.map.set(t, (ctx: TaskContext<never>) => pool.run(t, ctx));
  return pool;
}
