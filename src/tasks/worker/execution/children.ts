/**
 * What a flow parent's handler reads of its children (`ctx.childResults()`, `ctx.childFailures()`):
 * their stored outcomes, read once per execution, in chunks of one multiRead each. The master runs a
 * parent only once every child has an outcome, and keeps the children until the parent has one.
 */
import type { ReadOpResult } from "../../../client/index.js";
import { decodeOutcome } from "../../envelope.js";
import { decodeFlowChildren, modeOf } from "../../flow.js";
import { keyOfId } from "../../layout.js";
import { mapLimit } from "../../zk.js";
import type { ExecutionEnv } from "./types.js";

export interface ChildOutcomes {
  /** Results of the children that are done, by id. */
  results: Record<string, unknown>;
  /** Children that failed or were cancelled, by id → reason (those with onFailure "ignore" are left out). */
  failures: Record<string, string>;
}

const CHUNK = 32;
const NONE: ChildOutcomes = { results: {}, failures: {} };

export class ChildReader {
  private read: Promise<ChildOutcomes> | null = null;

  constructor(
    private readonly env: Pick<ExecutionEnv, "client" | "layout">,
    private readonly key: string,
  ) {}

  outcomes(): Promise<ChildOutcomes> {
    return (this.read ??= this.readAll());
  }

  private async readAll(): Promise<ChildOutcomes> {
    const { client, layout } = this.env;
    const list = decodeFlowChildren((await client.getData(layout.flow(this.key))).data);
    if (list === null) return NONE;
    const chunks: string[][] = [];
    for (let i = 0; i < list.children.length; i += CHUNK) chunks.push(list.children.slice(i, i + CHUNK));
    const read = await mapLimit(chunks, 4, async (ids) => {
      const ops = ids.map((id) => ({ type: "getData", path: layout.status(keyOfId(id)) }) as const);
      try {
        return await client.multiRead(ops);
      } catch {
        // A reply too large for one frame (large results): one op per request.
        const one: ReadOpResult[] = [];
        for (const op of ops) one.push(...(await client.multiRead([op])));
        return one;
      }
    });
    const results: [string, unknown][] = [];
    const failures: [string, string][] = [];
    chunks.forEach((ids, c) => {
      ids.forEach((id, i) => {
        const r = read[c]?.[i];
        const o = r?.type === "getData" ? decodeOutcome(r.data) : null;
        if (o?.state === "done") results.push([id, o.result]);
        else if (modeOf(list, id) !== "ignore")
          failures.push([
            id,
            o === null ? "no outcome stored" : o.state === "failed" ? o.reason : "cancelled",
          ]);
      });
    });
    // fromEntries defines own properties, so an id such as "__proto__" is an ordinary key.
    return { results: Object.fromEntries(results), failures: Object.fromEntries(failures) };
  }
}
