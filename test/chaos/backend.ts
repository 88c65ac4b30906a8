/**
 * The chaos run's coordination backend — the embedded server as a child process with a data dir, or a 3-node
 * Apache ZooKeeper ensemble — listening on `host` (127.0.0.1, or the partition bridge of netns.ts), and the
 * final read of every task's stored outcome.
 */
import { ZooKeeperClient } from "../../src/client/index.js";
import { startApacheEnsemble, type ApacheEnsemble } from "../harness/apache-zk.js";
import { startChildServer, type ChildServer } from "../server/child-server.js";
import type { FinalRead, FinalStatus } from "./checker.js";

export type BackendKind = "embedded" | "ensemble";

export interface Backend {
  readonly connectString: string;
  /** The embedded server, or null. */
  readonly server: () => ChildServer | null;
  readonly ensemble: ApacheEnsemble | null;
  /** Embedded only: SIGKILL the server and start it again on the same port and data dir. */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBackend(kind: BackendKind, dataDir: string, host: string): Promise<Backend> {
  if (kind === "ensemble") {
    const ensemble = await startApacheEnsemble(3, { tickTime: 200, clientHost: host });
    return {
      connectString: ensemble.connectString,
      server: () => null,
      ensemble,
      restartServer: () => Promise.resolve(),
      stop: () => ensemble.stop(),
    };
  }
  const opts = { maxSessionTimeout: 60_000, host };
  let server = await startChildServer(dataDir, 0, opts);
  const port = server.port;
  return {
    connectString: `${host}:${port}`,
    server: () => server,
    ensemble: null,
    restartServer: async () => {
      await server.kill("SIGKILL");
      server = await startChildServer(dataDir, port, opts);
    },
    stop: () => server.kill("SIGKILL"),
  };
}

export async function openClient(connectString: string, sessionTimeout: number): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({ connectString, sessionTimeout, connectTimeout: 30_000 });
  await c.connect();
  return c;
}

/** Every structured task under <root>/tasks with its stored outcome, and the master epoch. */
export async function finalRead(zk: ZooKeeperClient, root: string): Promise<FinalRead> {
  const tasks: FinalRead["tasks"] = {};
  const buckets = (await zk.getChildren(`${root}/tasks`)).filter((b) => b.startsWith("b-"));
  for (const b of buckets) {
    const names = (await zk.getChildren(`${root}/tasks/${b}`)).filter((n) => n.startsWith("t-"));
    for (let i = 0; i < names.length; i += 200) {
      const chunk = names.slice(i, i + 200);
      const replies = await zk.multiRead(
        chunk.map((n) => ({ type: "getData" as const, path: `${root}/tasks/${b}/${n}/status` })),
      );
      chunk.forEach((n, j) => {
        const r = replies[j];
        tasks[n.slice(2)] = { status: r?.type === "getData" ? parseStatus(r.data) : null };
      });
    }
  }
  const epoch = (await zk.exists(`${root}/election/epoch`))?.version ?? 0;
  return { tasks, epoch };
}

function parseStatus(data: Buffer | null): FinalStatus {
  try {
    const o = JSON.parse(data?.toString("utf8") ?? "null") as {
      state?: string;
      result?: { worker?: unknown; token?: unknown } | null;
      reason?: string;
      at?: number;
    };
    const r = o.result;
    const result =
      r != null && typeof r.worker === "string" && typeof r.token === "number"
        ? { worker: r.worker, token: r.token }
        : null;
    return {
      state: o.state ?? "unknown",
      ...(o.state === "done" ? { result } : {}),
      ...(o.reason === undefined ? {} : { reason: o.reason }),
      ...(o.at === undefined ? {} : { at: o.at }),
    };
  } catch {
    return { state: "undecodable" };
  }
}
