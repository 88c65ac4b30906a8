/**
 * The differential model: commands as plain data (so fast-check can generate, shrink and print
 * them), their arbitraries, and an interpreter that runs a command list on one server under a fresh
 * root and returns a normalized trace. Two servers agree when their traces are deep-equal.
 *
 * What a trace keeps: return values, error codes, Stat versions/cversion/aversion/dataLength/
 * numChildren and the kind of owner (none, client A/B, or the raw value for container/TTL markers),
 * sorted children, paths relative to the root, and every watch event each client saw, in order.
 * What it drops: zxids, times and session ids, which legitimately differ between servers.
 */
import fc from "fast-check";
import {
  CreateMode,
  ZooKeeperClient,
  ZooKeeperError,
  type OpResult,
  type PersistentWatch,
  type Stat,
  type WatchEvent,
} from "../../src/client/index.js";

/** A path relative to the run's root ("" is the root), or the n-th path created so far in this run (mod count), e.g. a sequential name. */
export type PathRef = string | { created: number };
export type Who = "A" | "B";

export type SubOp =
  | { op: "create"; path: PathRef; data: string | null; mode: number; ttl?: number }
  | { op: "delete"; path: PathRef; version: number }
  | { op: "setData"; path: PathRef; data: string | null; version: number }
  | { op: "check"; path: PathRef; version: number };

export type Command =
  | (SubOp & { who: Who })
  | { op: "create2"; who: Who; path: PathRef; data: string | null; mode: number; ttl?: number }
  | { op: "exists" | "getData" | "getChildren" | "getChildren2"; who: Who; path: PathRef; watch: boolean }
  | { op: "multi"; who: Who; ops: SubOp[] }
  | { op: "multiRead"; who: Who; reads: { type: "getData" | "getChildren"; path: PathRef }[] }
  | { op: "getAllChildrenNumber"; who: Who; path: PathRef }
  | { op: "addWatch"; path: PathRef; recursive: boolean }
  | { op: "reopenB" };

const MODES = Object.values(CreateMode);
const TTL_MODES: readonly number[] = [
  CreateMode.PERSISTENT_WITH_TTL,
  CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
];

/** Shallow paths most often, so that parents exist and commands reach past NONODE. */
const pathArb: fc.Arbitrary<PathRef> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b") },
  { weight: 2, arbitrary: fc.constant("") },
  { weight: 4, arbitrary: fc.constantFrom("a/c", "a/d", "b/c") },
  { weight: 1, arbitrary: fc.constantFrom("a/c/e", "x/y") },
  { weight: 3, arbitrary: fc.nat(7).map((n) => ({ created: n })) },
);
const dataArb = fc.constantFrom<string | null>(null, "", "x", "hello", "z".repeat(40));
const versionArb = fc.constantFrom(-1, -1, 0, 1, 2);
const whoArb = fc.constantFrom<Who>("A", "B");

/** Mostly valid TTLs for TTL modes; sometimes none, zero, or a TTL on a mode that takes none. */
const createArb = fc
  .record({
    path: pathArb,
    data: dataArb,
    mode: fc.constantFrom(...MODES),
    ttlChoice: fc.constantFrom("valid", "valid", "valid", "valid", "none", "zero", "stray"),
  })
  .map(({ path, data, mode, ttlChoice }) => {
    const ttl = TTL_MODES.includes(mode)
      ? { valid: 60_000, none: undefined, zero: 0, stray: 60_000 }[ttlChoice]
      : { valid: undefined, none: undefined, zero: undefined, stray: 30_000 }[ttlChoice];
    return ttl === undefined ? { path, data, mode } : { path, data, mode, ttl };
  });

const subOpArb: fc.Arbitrary<SubOp> = fc.oneof(
  { weight: 3, arbitrary: createArb.map((c) => ({ op: "create" as const, ...c })) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("delete" as const), path: pathArb, version: versionArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("setData" as const),
      path: pathArb,
      data: dataArb,
      version: versionArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("check" as const), path: pathArb, version: versionArb }),
  },
);

const readArb = fc.record({
  op: fc.constantFrom("exists" as const, "getData" as const, "getChildren" as const, "getChildren2" as const),
  who: whoArb,
  path: pathArb,
  watch: fc.constantFrom(true, true, false),
});

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(subOpArb, whoArb).map(([s, who]) => ({ ...s, who })) },
  {
    weight: 1,
    arbitrary: fc.tuple(createArb, whoArb).map(([c, who]) => ({ op: "create2" as const, who, ...c })),
  },
  { weight: 5, arbitrary: readArb },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("multi" as const),
      who: whoArb,
      ops: fc.array(subOpArb, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("multiRead" as const),
      who: whoArb,
      reads: fc.array(
        fc.record({ type: fc.constantFrom("getData" as const, "getChildren" as const), path: pathArb }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("getAllChildrenNumber" as const), who: whoArb, path: pathArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("addWatch" as const), path: pathArb, recursive: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "reopenB" as const }) },
);

/** Creates of the first few paths (any mode) lead, so later commands find parents more often. */
const preludeArb: fc.Arbitrary<Command[]> = fc
  .tuple(whoArb, fc.constantFrom(...MODES), fc.constantFrom(...MODES), fc.constantFrom(...MODES))
  .map(([who, ...modes]) =>
    (["a", "b", "a/c"] as const).map((path, i) => {
      const mode = modes[i] ?? CreateMode.PERSISTENT;
      return TTL_MODES.includes(mode)
        ? { op: "create" as const, who, path, data: "p", mode, ttl: 60_000 }
        : { op: "create" as const, who, path, data: "p", mode };
    }),
  );

export const commandsArb: fc.Arbitrary<Command[]> = fc
  .tuple(fc.option(preludeArb, { freq: 4 }), fc.array(commandArb, { minLength: 1, maxLength: 30 }))
  .map(([prelude, cmds]) => [...(prelude ?? []), ...cmds]);

export interface Trace {
  /** One normalized outcome per command. */
  steps: unknown[];
  /** Watch events per client, in arrival order: `<watch id> <type> <relative path>`. */
  events: Record<string, string[]>;
}

/** Options every client of a run gets: the server, not our client, judges the arguments. */
const clientOptions = (
  connectString: string,
): { connectString: string; sessionTimeout: number; checkArguments: boolean } => ({
  connectString,
  sessionTimeout: 10_000,
  checkArguments: false,
});

/** Runs `cmds` on the server at `connectString` under `root` (which must not exist yet). */
export async function runCommands(
  connectString: string,
  root: string,
  cmds: readonly Command[],
): Promise<Trace> {
  const clients = new Map<string, ZooKeeperClient>();
  const owners = new Map<bigint, string>();
  const events: Record<string, string[]> = { A: [], B: [] };
  const persistent: { client: string; watch: PersistentWatch; done: Promise<void> }[] = [];
  const created: string[] = [];

  const rel = (p: string): string =>
    p === root ? "." : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : `!${p}`;
  const abs = (ref: PathRef): string => {
    const r = typeof ref === "string" ? ref : (created[ref.created % Math.max(1, created.length)] ?? "a");
    return r === "" ? root : `${root}/${r}`;
  };
  const open = async (name: string): Promise<ZooKeeperClient> => {
    const c = new ZooKeeperClient(clientOptions(connectString));
    clients.set(name, c);
    await c.connect();
    owners.set(c.sessionId, name);
    return c;
  };
  const client = async (name: string): Promise<ZooKeeperClient> => clients.get(name) ?? open(name);
  const stat = (s: Stat | null): unknown =>
    s === null
      ? null
      : {
          version: s.version,
          cversion: s.cversion,
          aversion: s.aversion,
          dataLength: s.dataLength,
          numChildren: s.numChildren,
          owner:
            s.ephemeralOwner === 0n
              ? "none"
              : (owners.get(s.ephemeralOwner) ?? `0x${s.ephemeralOwner.toString(16)}`),
        };
  const watch = (who: string, id: string) => (e: WatchEvent) =>
    events[who]?.push(`${id} ${e.type} ${rel(e.path)}`);
  const noteCreated = (p: string): string => (created.push(rel(p)), rel(p));
  const opResult = (r: OpResult): unknown => {
    switch (r.type) {
      case "create":
        return { create: noteCreated(r.path), stat: stat(r.stat) };
      case "setData":
        return { setData: stat(r.stat) };
      case "error":
        return { error: r.code };
      default:
        return r.type;
    }
  };

  /**
   * Every event already sent has been delivered: a read on each connection is answered only after
   * the notifications queued before it, and one macrotask turn lets the persistent-watch loops run.
   */
  const settle = async (): Promise<void> => {
    for (const c of clients.values()) await c.exists(root);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  /**
   * Closes B's session. The order in which a closing session's ephemerals are deleted is
   * unspecified (Apache walks a HashSet), so the events of that one close are compared sorted.
   */
  const closeB = async (): Promise<void> => {
    // Always settle first: the persistent watches are closed right after, and an event still on its
    // way would be lost (with no client B this returned before settling: Apache's events for the last
    // step then sometimes arrived after the watch was closed — a harness race, not a server difference).
    await settle();
    const b = clients.get("B");
    if (b === undefined) return;
    const marks = Object.values(events).map((log) => ({ log, from: log.length }));
    await b.close();
    clients.delete("B");
    await settle();
    for (const { log, from } of marks) log.push(...log.splice(from).sort());
  };

  const exec = async (cmd: Command, i: number): Promise<unknown> => {
    switch (cmd.op) {
      case "reopenB":
        await closeB();
        return "reopened";
      case "addWatch": {
        // Plain and recursive persistent watches on clients of their own: Apache 3.8 lets a later
        // watch of another mode on the same path and connection overwrite the first (fixed in 3.9).
        const name = cmd.recursive ? "R" : "P";
        const c = await client(name);
        const w = await c.addWatch(abs(cmd.path), { recursive: cmd.recursive });
        const log: string[] = (events[`${name}${i}`] = []);
        const done = (async () => {
          for await (const e of w) log.push(`${e.type} ${rel(e.path)}`);
        })();
        persistent.push({ client: name, watch: w, done });
        return "watching";
      }
      default:
        break;
    }
    const c = await client(cmd.who);
    const w = (on: boolean): { watch?: (e: WatchEvent) => void } =>
      on ? { watch: watch(cmd.who, `${cmd.who}${i}`) } : {};
    switch (cmd.op) {
      case "create": {
        const opts = { mode: cmd.mode, ...(cmd.ttl === undefined ? {} : { ttl: cmd.ttl }) };
        return noteCreated(await c.create(abs(cmd.path), cmd.data, opts));
      }
      case "create2": {
        const opts = { mode: cmd.mode, ...(cmd.ttl === undefined ? {} : { ttl: cmd.ttl }) };
        const r = await c.create2(abs(cmd.path), cmd.data, opts);
        return { path: noteCreated(r.path), stat: stat(r.stat) };
      }
      case "delete":
        return c.delete(abs(cmd.path), cmd.version).then(() => "deleted");
      case "setData":
        return stat(await c.setData(abs(cmd.path), cmd.data, cmd.version));
      case "check":
        return c
          .transaction()
          .check(abs(cmd.path), cmd.version)
          .commit()
          .then((rs) => rs.map(opResult));
      case "exists":
        return stat(await c.exists(abs(cmd.path), w(cmd.watch)));
      case "getData": {
        const r = await c.getData(abs(cmd.path), w(cmd.watch));
        return { data: r.data?.toString("latin1") ?? null, stat: stat(r.stat) };
      }
      case "getChildren":
        return (await c.getChildren(abs(cmd.path), w(cmd.watch))).sort();
      case "getChildren2": {
        const r = await c.getChildren2(abs(cmd.path), w(cmd.watch));
        return { children: r.children.sort(), stat: stat(r.stat) };
      }
      case "getAllChildrenNumber":
        return c.getAllChildrenNumber(abs(cmd.path));
      case "multiRead":
        return (await c.multiRead(cmd.reads.map((r) => ({ type: r.type, path: abs(r.path) })))).map((r) =>
          r.type === "getData"
            ? { data: r.data?.toString("latin1") ?? null, stat: stat(r.stat) }
            : r.type === "getChildren"
              ? r.children.sort()
              : { error: r.error.codeName },
        );
      case "multi": {
        const tx = c.transaction();
        for (const s of cmd.ops) {
          if (s.op === "create")
            tx.create(abs(s.path), s.data, { mode: s.mode, ...(s.ttl === undefined ? {} : { ttl: s.ttl }) });
          else if (s.op === "setData") tx.setData(abs(s.path), s.data, s.version);
          else if (s.op === "delete") tx.delete(abs(s.path), s.version);
          else tx.check(abs(s.path), s.version);
        }
        return (await tx.commit()).map(opResult);
      }
    }
  };

  const steps: unknown[] = [];
  let seen: Record<string, string[]> = {};
  try {
    const a = await client("A");
    await a.create(root);
    for (const [i, cmd] of cmds.entries()) {
      steps.push(
        await exec(cmd, i).catch((err: unknown) => {
          if (!(err instanceof ZooKeeperError)) throw err;
          return {
            error: err.codeName,
            ...(err.results === undefined
              ? {}
              : { opIndex: err.opIndex, results: err.results.map(opResult) }),
          };
        }),
      );
    }
    // Closing B deletes its ephemerals: the others must see those events too.
    await closeB();
    for (const p of persistent) await p.watch.close(); // buffered events are still iterated
    await Promise.all(persistent.map((p) => p.done));
    // Before closing the rest: a client's own ephemerals would go (and notify it) in unspecified order.
    seen = structuredClone(events);
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  return { steps, events: seen };
}
