/**
 * One conformance suite, two servers: `forEachBackend(title, body)` registers a `describe` per
 * backend ("embedded": our server from src/server; "apache": Apache ZooKeeper 3.8), starts that
 * server once for the describe, and hands the body a getter for it. Select backends with
 * OVERSEER_BACKENDS=apache,embedded (default: both). A backend that cannot run here is skipped
 * with the reason, never silently passed.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe } from "node:test";
import { skipUnlessApacheZooKeeper, startApacheZooKeeper } from "./apache-zk.js";

export type BackendName = "embedded" | "apache";

/** Timing knobs every backend is started with, so tests can compute their deadlines. */
export const BACKEND_TICK_TIME = 100;
/** Container/TTL reaper period the backends are configured with (ms). */
export const REAPER_INTERVAL = 200;

export interface Backend {
  readonly name: BackendName;
  readonly connectString: string;
  readonly host: string;
  readonly port: number;
  readonly tickTime: number;
}

interface Running extends Backend {
  stop(): Promise<void>;
}

/** The subset of src/server's public API the harness uses (loaded lazily: see `embeddedProblem`). */
interface EmbeddedServer {
  connectString: string;
  host: string;
  port: number;
  close(): Promise<void>;
}
interface EmbeddedModule {
  startServer(opts: Record<string, unknown>): Promise<EmbeddedServer>;
}

const SERVER_INDEX = fileURLToPath(new URL("../../src/server/index.ts", import.meta.url));

function embeddedProblem(): string | false {
  return existsSync(SERVER_INDEX) ? false : `embedded server not built yet (${SERVER_INDEX} is missing)`;
}

async function startEmbedded(): Promise<Running> {
  // Imported by URL so this harness type-checks while src/server is still being written.
  const mod = (await import(new URL("../../src/server/index.js", import.meta.url).href)) as EmbeddedModule;
  const server = await mod.startServer({
    port: 0,
    tickTime: BACKEND_TICK_TIME,
    maxSessionTimeout: 60_000,
    fourLetterWords: "*",
    extendedTypesEnabled: true,
    containerCheckIntervalMs: REAPER_INTERVAL,
  });
  return {
    name: "embedded",
    connectString: server.connectString,
    host: server.host,
    port: server.port,
    tickTime: BACKEND_TICK_TIME,
    stop: () => server.close(),
  };
}

async function startApache(): Promise<Running> {
  const zk = await startApacheZooKeeper({
    tickTime: BACKEND_TICK_TIME,
    jvmFlags: [`-Dznode.container.checkIntervalMs=${REAPER_INTERVAL}`],
  });
  return {
    name: "apache",
    connectString: zk.connectString,
    host: zk.host,
    port: zk.port,
    tickTime: BACKEND_TICK_TIME,
    stop: () => zk.stop(),
  };
}

const STARTERS: Record<BackendName, { problem: () => string | false; start: () => Promise<Running> }> = {
  embedded: { problem: embeddedProblem, start: startEmbedded },
  apache: { problem: skipUnlessApacheZooKeeper, start: startApache },
};

export function selectedBackends(): BackendName[] {
  const env = process.env["OVERSEER_BACKENDS"];
  if (env === undefined || env.trim() === "") return ["embedded", "apache"];
  return env.split(",").map((s) => {
    const name = s.trim();
    if (name !== "embedded" && name !== "apache")
      throw new Error(`OVERSEER_BACKENDS: unknown backend "${name}"`);
    return name;
  });
}

export function forEachBackend(title: string, body: (backend: () => Backend) => void): void {
  for (const name of selectedBackends()) {
    const starter = STARTERS[name];
    const skip = starter.problem();
    describe(`${title} [${name}]`, { skip }, () => {
      let running: Running | undefined;
      before(async () => {
        running = await starter.start();
      });
      after(async () => {
        await running?.stop();
      });
      body(() => {
        if (running === undefined) throw new Error(`${name} backend did not start`);
        return running;
      });
    });
  }
}

let counter = 0;
/** A root path no other test uses (tests share one server per describe). */
export function uniqueRoot(label: string): string {
  counter++;
  return `/t-${process.pid}-${counter}-${label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40)}`;
}
