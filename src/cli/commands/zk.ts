/** `overseer zk …`: a small znode tool (ls, get, stat, create, set, delete, tree) on any ZooKeeper. */
import type { Command } from "commander";
import { CreateMode, NoNodeError, ZooKeeperError, type ZooKeeperClient } from "../../client/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  positiveInt,
  withClient,
  type ConnectionFlags,
} from "../connection.js";
import { formatStat, printJson, statJson } from "../output.js";

interface CreateFlags extends ConnectionFlags {
  sequential?: boolean;
  container?: boolean;
  ttl?: number;
  parents?: boolean;
}

interface VersionFlags extends ConnectionFlags {
  ifVersion?: number;
  recursive?: boolean;
}

function integerFlag(name: string): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v)) throw new CliError(`${name} must be an integer, got "${v}"`, ExitCode.usage);
    return Number(v);
  };
}

/** Map ZooKeeper errors on a named path to one line a person can act on. */
async function run(flags: ConnectionFlags, body: (c: ZooKeeperClient) => Promise<void>): Promise<void> {
  try {
    await withClient(flags, body);
  } catch (err) {
    // The message already reads "<CODE>: <what> (<path>)".
    if (err instanceof ZooKeeperError) throw new CliError(err.message, ExitCode.failed);
    throw err;
  }
}

async function deleteTree(c: ZooKeeperClient, path: string): Promise<number> {
  let n = 0;
  for (const child of await c.getChildren(path))
    n += await deleteTree(c, path === "/" ? `/${child}` : `${path}/${child}`);
  if (path === "/" || path === "/zookeeper") return n;
  await c.delete(path);
  return n + 1;
}

async function printTree(c: ZooKeeperClient, path: string, depth: number, out: string[]): Promise<void> {
  let children: string[];
  try {
    children = (await c.getChildren(path)).sort();
  } catch (err) {
    if (err instanceof NoNodeError && depth > 0) return; // deleted while we walked
    throw err;
  }
  for (const child of children) {
    const full = path === "/" ? `/${child}` : `${path}/${child}`;
    out.push(`${"  ".repeat(depth)}${child}`);
    await printTree(c, full, depth + 1, out);
  }
}

export function registerZkCommand(program: Command): void {
  const zk = program.command("zk").description("read and change znodes directly (absolute paths)");

  addConnectionOptions(zk.command("ls <path>").description("list a znode's children, sorted"), {
    root: false,
  }).action((path: string, flags: ConnectionFlags) =>
    run(flags, async (c) => {
      const children = (await c.getChildren(path)).sort();
      if (flags.json) printJson(children);
      else for (const child of children) console.log(child);
    }),
  );

  addConnectionOptions(zk.command("get <path>").description("print a znode's data"), { root: false })
    .option("--stat", "also print the Stat")
    .action((path: string, flags: ConnectionFlags & { stat?: boolean }) =>
      run(flags, async (c) => {
        const { data, stat } = await c.getData(path);
        if (flags.json) printJson({ data: data?.toString("utf8") ?? null, stat: statJson(stat) });
        else {
          console.log(data === null ? "null" : data.toString("utf8"));
          if (flags.stat) console.log(formatStat(stat));
        }
      }),
    );

  addConnectionOptions(zk.command("stat <path>").description("print a znode's Stat"), { root: false }).action(
    (path: string, flags: ConnectionFlags) =>
      run(flags, async (c) => {
        const stat = await c.exists(path);
        if (stat === null) throw new CliError(`no node at ${path}`, ExitCode.failed);
        if (flags.json) printJson(statJson(stat));
        else console.log(formatStat(stat));
      }),
  );

  addConnectionOptions(zk.command("create <path> [data]").description("create a znode; prints its path"), {
    root: false,
  })
    .option("-s, --sequential", "append a 10-digit sequence number")
    .option("-c, --container", "a container node (removed once its last child goes)")
    .option("-t, --ttl <ms>", "a TTL node: removed after <ms> without changes or children", (v) =>
      positiveInt("--ttl", v),
    )
    .option("-p, --parents", "create missing parents (persistent, empty)")
    .action((path: string, data: string | undefined, flags: CreateFlags) =>
      run(flags, async (c) => {
        if (flags.container && (flags.sequential || flags.ttl !== undefined)) {
          throw new CliError("--container cannot be combined with --sequential or --ttl", ExitCode.usage);
        }
        if (flags.parents) await createParents(c, path);
        const mode = flags.container
          ? CreateMode.CONTAINER
          : flags.ttl !== undefined
            ? flags.sequential
              ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
              : CreateMode.PERSISTENT_WITH_TTL
            : flags.sequential
              ? CreateMode.PERSISTENT_SEQUENTIAL
              : CreateMode.PERSISTENT;
        const created = await c.create(path, data ?? null, { mode, ttl: flags.ttl });
        if (flags.json) printJson({ path: created });
        else console.log(created);
      }),
    );

  addConnectionOptions(zk.command("set <path> <data>").description("replace a znode's data"), { root: false })
    .option("-v, --if-version <n>", "only if the data version is <n>", integerFlag("--if-version"))
    .action((path: string, data: string, flags: VersionFlags) =>
      run(flags, async (c) => {
        const stat = await c.setData(path, data, flags.ifVersion ?? -1);
        if (flags.json) printJson(statJson(stat));
        else console.log(`version ${stat.version}`);
      }),
    );

  addConnectionOptions(zk.command("delete <path>").description("delete a znode"), { root: false })
    .option("-v, --if-version <n>", "only if the data version is <n>", integerFlag("--if-version"))
    .option("-r, --recursive", "delete its whole subtree")
    .action((path: string, flags: VersionFlags) =>
      run(flags, async (c) => {
        if (flags.recursive && flags.ifVersion !== undefined) {
          throw new CliError("--recursive cannot be combined with --if-version", ExitCode.usage);
        }
        const deleted = flags.recursive
          ? await deleteTree(c, path)
          : (await c.delete(path, flags.ifVersion ?? -1), 1);
        if (flags.json) printJson({ deleted });
        else console.log(`deleted ${deleted} node${deleted === 1 ? "" : "s"}`);
      }),
    );

  addConnectionOptions(zk.command("tree [path]").description("print the subtree under a znode"), {
    root: false,
  }).action((path: string | undefined, flags: ConnectionFlags) =>
    run(flags, async (c) => {
      const from = path ?? "/";
      const lines: string[] = [];
      await printTree(c, from, 0, lines);
      if (flags.json) printJson(lines.map((l) => l.trim()));
      else console.log([from, ...lines.map((l) => `  ${l}`)].join("\n"));
    }),
  );
}

async function createParents(c: ZooKeeperClient, path: string): Promise<void> {
  const parts = path.split("/").filter(Boolean);
  let at = "";
  for (const part of parts.slice(0, -1)) {
    at += `/${part}`;
    if ((await c.exists(at)) === null) {
      await c.create(at).catch((err: unknown) => {
        if (!(err instanceof ZooKeeperError && err.codeName === "NODEEXISTS")) throw err;
      });
    }
  }
}
