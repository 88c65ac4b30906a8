/**
 * overseer as the benchmarks run it: the compiled package (dist/, from `npm run build`), the code the
 * `overseer` bin and the package's exports run — not src/ through tsx, whose transform and source-mapped
 * Error stacks cost some 25% more CPU per task. The anchors (BullMQ, node-zookeeper-client) are compiled
 * JavaScript from npm too.
 *
 * Importing this module first makes sure dist/ is fresh (scripts/dist.ts, which may run the build),
 * then loads dist/<sub>/index.js. The exports are typed as the src modules, so typechecking needs no dist/.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ClientModule from "../../src/client/index.js";
import type * as TasksModule from "../../src/tasks/index.js";
import { startChildServer, type ChildServer } from "../../test/server/child-server.js";
import { DIST_DIR, ensureBuiltOnce } from "../../scripts/dist.js";

ensureBuiltOnce();

const load = async <T>(sub: string): Promise<T> =>
  (await import(pathToFileURL(join(DIST_DIR, sub, "index.js")).href)) as T;

/** dist/client/index.js, typed as src/client/index.ts. */
export const client = await load<typeof ClientModule>("client");
/** dist/tasks/index.js, typed as src/tasks/index.ts. */
export const tasks = await load<typeof TasksModule>("tasks");

export const { ZooKeeperClient, connect } = client;
export type ZooKeeperClient = ClientModule.ZooKeeperClient;
export const { Master, Worker, Submitter, TaskAdmin } = tasks;
export type Master = TasksModule.Master;
export type Worker = TasksModule.Worker;
export type Submitter = TasksModule.Submitter;

/** The embedded server as its own process from dist/, under plain node (bench/lib/run-server.mjs). */
export function startServerProcess(dataDir: string, port = 0, opts: object = {}): Promise<ChildServer> {
  return startChildServer(dataDir, port, opts, { compiled: true });
}

/** A result's note on how overseer (and the npm packages it is compared with, if any) ran. */
export function howRun(...npmPackages: string[]): string {
  const how = "overseer runs as the compiled package (dist/, built by npm run build)";
  return npmPackages.length === 0 ? how : `${how}; ${npmPackages.join(" and ")} as installed from npm`;
}
