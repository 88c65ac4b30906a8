/**
 * A submitted spec checked and encoded into the node the submitter creates: its id, key, path and
 * envelope, rejected before anything is written if it is invalid or too large. Flows are prepared tree
 * by tree, children first, a parent carrying its `<task>/flow` node.
 */
import { InvalidArgumentError } from "../../client/index.js";
import { encodeEnvelope, encodeNewEnvelope } from "../envelope.js";
import { PayloadTooLargeError } from "../errors.js";
import { encodeFlowChildren, type FlowLinks } from "../flow.js";
import { keyOfId, type Layout } from "../layout.js";
import { planFlow, type FlowNode } from "./flow.js";
import {
  DEFAULT_OPTIONS_JSON,
  defaultStoredOptions,
  generateId,
  parseSubmitOptions,
  type ParsedSubmit,
  type SubmitOptions,
} from "./options.js";

export interface TaskSpec {
  type: string;
  payload?: unknown;
  options?: SubmitOptions;
}

export interface Prepared {
  id: string;
  key: string;
  /** The task node's path. */
  path: string;
  /** The envelope (a string goes into the request as it is, without an intermediate Buffer). */
  data: string | Buffer;
  /** Its size in bytes (with its flow node's). */
  bytes: number;
  /** A flow parent's `<task>/flow` node, created in the same multi as the task. */
  flow?: { path: string; data: string };
}

/** One task; `n` is its index in a submitMany call, `flow` its links when it belongs to a flow. */
export function prepareTask(
  layout: Layout,
  maxBytes: number,
  spec: TaskSpec,
  n = 0,
  flow?: FlowLinks,
): Prepared {
  if (spec === null || typeof spec !== "object")
    throw new InvalidArgumentError("spec", "expected { type, payload, options }");
  const { type, payload, options } = spec;
  if (typeof type !== "string" || type.length === 0 || type.length > 128)
    throw new InvalidArgumentError("type", "expected a string of 1–128 characters");
  // No options (the common case): the defaults, whose JSON is a constant.
  const parsed: ParsedSubmit | null = options === undefined ? null : parseSubmitOptions(options);
  const id = parsed === null ? generateId() : parsed.id;
  const delay = parsed === null ? 0 : parsed.delay;
  const now = Date.now();
  const notBefore = delay > 0 ? now + delay : 0;
  let data: string | Buffer;
  try {
    const optionsJson = parsed === null ? DEFAULT_OPTIONS_JSON : JSON.stringify(parsed.options);
    data =
      (flow === undefined ? encodeNewEnvelope(type, payload, optionsJson, notBefore, now, n) : undefined) ??
      encodeEnvelope({
        v: 1,
        type,
        payload: payload === undefined ? null : payload,
        options: parsed === null ? defaultStoredOptions() : parsed.options,
        run: { failures: 0, notBefore, requeues: 0 },
        submittedAt: now,
        n,
        ...(flow === undefined ? {} : { flow }),
      });
  } catch (err) {
    throw new InvalidArgumentError(
      "payload",
      `not JSON-serializable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const bytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
  if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
  const key = keyOfId(id);
  return { id, key, path: layout.task(key), data, bytes };
}

/** A tree's tasks, children first (a parent's `<task>/flow` node with it); errors name `at` + the node. */
export function prepareFlow(layout: Layout, maxBytes: number, tree: FlowNode, at: string): Prepared[] {
  return planFlow(tree, at).map((node) => {
    const { type, payload, options } = node;
    try {
      const p = prepareTask(layout, maxBytes, { type, payload, options }, 0, node.links);
      if (node.children === null) return p;
      const data = encodeFlowChildren(node.children);
      const bytes = p.bytes + Buffer.byteLength(data, "utf8");
      if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
      return { ...p, bytes, flow: { path: layout.flow(p.key), data } };
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(node.at, err.message);
      throw err;
    }
  });
}
