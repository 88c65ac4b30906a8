/**
 * Loads a handler module — `export const handlers = { <type>: (ctx) => result }`, or the same object as
 * the default export — in whichever thread or process runs its handlers. Every problem names the module
 * and what is wrong.
 */
import { InvalidArgumentError } from "../../../client/index.js";
import type { AnyHandler } from "../execution/types.js";

const SHAPE =
  "expected `export const handlers = { <type>: async (ctx) => result }` (or the same object as the default export)";

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

export async function loadHandlerModule(url: string): Promise<Map<string, AnyHandler>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError("handlers", `cannot import ${url}: ${why}`);
  }
  const table = mod["handlers"] ?? mod["default"];
  if (typeof table !== "object" || table === null || Array.isArray(table))
    throw new InvalidArgumentError("handlers", `${url} exports handlers as ${kind(table)}; ${SHAPE}`);
  const map = new Map<string, AnyHandler>();
  for (const [type, h] of Object.entries(table)) {
    if (typeof h !== "function")
      throw new InvalidArgumentError(
        "handlers",
        `${url}: handlers.${type} is ${kind(h)}, expected a function`,
      );
    map.set(type, h as AnyHandler);
  }
  return map;
}
