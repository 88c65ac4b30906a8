import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apacheZooKeeperProblem, LOG4J_PROPERTIES, trackTempDir, type GuardedProcess } from "./java.js";
import { freePort, LOOPBACK } from "./ports.js";
import { secureSettings, type SecureServerOptions } from "./secure-zk.js";
import {
  baseConfig,
  isTerminatingSignal,
  launchServer,
  ServerStartError,
  waitUntilServing,
  writeConfig,
  type ServerSpec,
} from "./zk-process.js";

export { startApacheEnsemble } from "./apache-ensemble.js";
export type { ApacheEnsemble, EnsembleMember, ApacheEnsembleOptions } from "./apache-ensemble.js";
export type { SecureServerOptions } from "./secure-zk.js";

export interface ApacheZooKeeperOptions {
  /** ZooKeeper tick in ms (default 200). Session timeouts are clamped to [2 × tickTime, maxSessionTimeout]. */
  tickTime?: number;
  /** zoo.cfg entries added to / overriding the defaults (e.g. `{ maxSessionTimeout: "4000" }`). */
  extraConfig?: Record<string, string>;
  /** Extra JVM flags, after the defaults (so `-Xmx…` or `-D…` here win). */
  jvmFlags?: string[];
  /** How long to wait for `srvr` to answer (default 30 s). */
  startTimeoutMs?: number;
  /** TLS on a secure client port and/or SASL (see secure-zk.ts). */
  secure?: SecureServerOptions;
  /**
   * Benchmarks: run with Apache's own defaults — the JVM's collector (G1), both JIT compilers and its default
   * heap (¼ of RAM), the txn log's 64 MiB preallocation — instead of the flags that make test JVMs start fast
   * (serial GC, C1 only, -Xmx256m, 4 MiB preallocation). forceSync is Apache's default (yes) either way.
   */
  apacheDefaults?: boolean;
}

export interface ApacheZooKeeper {
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `127.0.0.1:<secureClientPort>` when started with `secure.tls`, else undefined. */
  readonly secureConnectString: string | undefined;
  /** The JVM's pid while it runs (for resident-memory measurements). */
  readonly pid: number | undefined;
  /** Kills the JVM and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Sends `signal` (default SIGKILL) to the JVM; waits for it to exit, or for SIGSTOP until every thread is
   * stopped; other signals are only sent. Data is kept.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the JVM if it runs, then starts it again on the same port and data dir and waits until it serves. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** True if java and Debian's zookeeper.jar are installed. */
export function apacheZooKeeperAvailable(): boolean {
  return apacheZooKeeperProblem() === undefined;
}

/** The reason Apache ZooKeeper tests must be skipped, or false; for `test(name, { skip: … })`. */
export function skipUnlessApacheZooKeeper(): string | false {
  const problem = apacheZooKeeperProblem();
  // In CI a missing Apache ZooKeeper is a failure, never a quiet skip: .ci/run installs it.
  if (problem !== undefined && process.env.CI)
    throw new Error(`Apache ZooKeeper tests cannot run in CI: ${problem}`);
  return problem ?? false;
}

const STANDALONE_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain";
const PORT_ATTEMPTS = 3;

/** Starts a standalone Apache ZooKeeper on 127.0.0.1 with a fresh data dir; resolves once it answers `srvr`. */
export async function startApacheZooKeeper(opts: ApacheZooKeeperOptions = {}): Promise<ApacheZooKeeper> {
  const problem = apacheZooKeeperProblem();
  if (problem !== undefined) throw new Error(problem);

  const dir = mkdtempSync(join(tmpdir(), "overseer-apache-zk-"));
  const untrackDir = trackTempDir(dir);
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  writeFileSync(join(dir, "log4j.properties"), LOG4J_PROPERTIES);
  const spec: ServerSpec = {
    confDir: dir,
    configPath: join(dir, "zoo.cfg"),
    logPath: join(dir, "zookeeper.log"),
    mainClass: STANDALONE_MAIN,
    clientPort: 0,
    jvmFlags: opts.jvmFlags ?? [],
    apacheDefaults: opts.apacheDefaults === true,
  };
  const securePort = opts.secure?.tls !== undefined ? await freePort() : 0;
  const secure = secureSettings(dir, opts.secure ?? {}, securePort);
  spec.jvmFlags = [...secure.jvmFlags, ...spec.jvmFlags];
  const timeoutMs = opts.startTimeoutMs;
  let proc: GuardedProcess | undefined;

  const launch = async (): Promise<void> => {
    writeConfig(spec.configPath, {
      ...baseConfig(opts.tickTime ?? 200, dataDir, spec.clientPort, LOOPBACK, spec.apacheDefaults),
      ...secure.config,
      ...opts.extraConfig,
    });
    proc = launchServer(spec);
    await waitUntilServing(proc, spec, timeoutMs);
  };

  try {
    for (let attempt = 1; ; attempt++) {
      spec.clientPort = await freePort();
      try {
        await launch();
        break;
      } catch (err) {
        // freePort() cannot reserve the port; if someone else took it meanwhile, try another.
        if (!(err instanceof ServerStartError && err.portInUse && attempt < PORT_ATTEMPTS)) throw err;
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    untrackDir();
    throw err;
  }

  let stopped = false;
  const kill = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    if (proc === undefined) return;
    if (signal === "SIGSTOP") await proc.pause();
    else if (!isTerminatingSignal(signal)) proc.signal(signal);
    else await proc.terminate(signal);
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await proc?.terminate("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    untrackDir();
  };
  return {
    connectString: `${LOOPBACK}:${spec.clientPort}`,
    host: LOOPBACK,
    port: spec.clientPort,
    dataDir,
    secureConnectString: securePort === 0 ? undefined : `${LOOPBACK}:${securePort}`,
    get pid() {
      return proc?.hasExited() === false ? proc.pid : undefined;
    },
    stop,
    kill,
    restart: async () => {
      if (stopped) throw new Error("restart() after stop()");
      await proc?.terminate("SIGKILL");
      await launch();
    },
    [Symbol.asyncDispose]: stop,
  };
}
