import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { serverMode } from "./four-letter.js";
import { apacheZooKeeperProblem, LOG4J_PROPERTIES, trackTempDir, type GuardedProcess } from "./java.js";
import { freePorts, LOOPBACK } from "./ports.js";
import { secureSettings, type SecureServerOptions } from "./secure-zk.js";
import {
  baseConfig,
  isTerminatingSignal,
  launchServer,
  waitUntilServing,
  writeConfig,
  type ServerSpec,
} from "./zk-process.js";

export interface ApacheEnsembleOptions {
  /** ZooKeeper tick in ms (default 200); initLimit/syncLimit are 10/5 ticks. */
  tickTime?: number;
  /** zoo.cfg entries added to / overriding the defaults of every member. */
  extraConfig?: Record<string, string>;
  jvmFlags?: string[];
  /** How long start-up (all members serving) may take; default 60 s. */
  startTimeoutMs?: number;
  /**
   * The local address the client ports listen on (default 127.0.0.1), e.g. a bridge shared with network
   * namespaces (test/chaos/netns.ts). Quorum traffic stays on 127.0.0.1.
   */
  clientHost?: string;
  /** TLS on a secure client port of every member and/or SASL (see secure-zk.ts). */
  secure?: SecureServerOptions;
  /** Benchmarks: Apache's own JVM and txn-log defaults instead of the test-speed ones (see ApacheZooKeeperOptions). */
  apacheDefaults?: boolean;
}

export interface EnsembleMember {
  /** The server id (myid), 1-based. */
  readonly id: number;
  /** Client port. */
  readonly port: number;
  /** `<clientHost>:<port>` of this member alone (127.0.0.1 by default). */
  readonly connectString: string;
  /** `<clientHost>:<secureClientPort>` when started with `secure.tls`. */
  readonly secureConnectString: string | undefined;
  readonly running: boolean;
  /** Sends `signal` (default SIGKILL); waits for the exit, or for SIGSTOP until every thread is stopped. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the member again (same ports and data) and waits until it serves as leader or follower. */
  start(): Promise<void>;
  /** Kills the member (SIGKILL); its data is kept so start() can bring it back. */
  stop(): Promise<void>;
  /** `leader`, `follower`, … or undefined if the member is down or not serving. */
  mode(): Promise<string | undefined>;
}

export interface ApacheEnsemble {
  /** All members, e.g. `127.0.0.1:a,127.0.0.1:b,127.0.0.1:c`. */
  readonly connectString: string;
  readonly members: readonly EnsembleMember[];
  /** The members' secure client ports, when started with `secure.tls`. */
  readonly secureConnectString: string | undefined;
  /** Waits (up to `timeoutMs`, default 30 s) until exactly one running member reports `Mode: leader`. */
  leader(timeoutMs?: number): Promise<EnsembleMember>;
  /** Kills every member and removes all data. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const QUORUM_MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
const isQuorumMode = (mode: string): boolean => mode === "leader" || mode === "follower";

/** Starts an `n`-member Apache ZooKeeper ensemble on 127.0.0.1; resolves once every member serves. */
export async function startApacheEnsemble(n = 3, opts: ApacheEnsembleOptions = {}): Promise<ApacheEnsemble> {
  const problem = apacheZooKeeperProblem();
  if (problem !== undefined) throw new Error(problem);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ensemble size must be a positive integer, got ${n}`);

  const root = mkdtempSync(join(tmpdir(), "overseer-apache-ensemble-"));
  const untrackDir = trackTempDir(root);
  const tickTime = opts.tickTime ?? 200;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const clientHost = opts.clientHost ?? LOOPBACK;

  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const ports = new Map<number, { client: number; peer: number; election: number; secure: number }>();
  const tls = opts.secure?.tls !== undefined;
  const perMember = tls ? 4 : 3;
  const all = await freePorts(n * perMember);
  for (const [i, id] of ids.entries()) {
    const [client = 0, peer = 0, election = 0, secure = 0] = all.slice(i * perMember, (i + 1) * perMember);
    ports.set(id, { client, peer, election, secure });
  }
  const serverLines: Record<string, string> = {};
  for (const [id, p] of ports) serverLines[`server.${id}`] = `${LOOPBACK}:${p.peer}:${p.election}`;

  const members = ids.map((id) => {
    const dir = join(root, `server${id}`);
    const dataDir = join(dir, "data");
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "myid"), `${id}\n`);
    writeFileSync(join(dir, "log4j.properties"), LOG4J_PROPERTIES);
    const clientPort = ports.get(id)?.client ?? 0;
    const securePort = ports.get(id)?.secure ?? 0;
    const secure = secureSettings(dir, opts.secure ?? {}, securePort);
    const spec: ServerSpec = {
      confDir: dir,
      configPath: join(dir, "zoo.cfg"),
      logPath: join(dir, "zookeeper.log"),
      mainClass: QUORUM_MAIN,
      clientPort,
      clientHost,
      jvmFlags: [...secure.jvmFlags, ...(opts.jvmFlags ?? [])],
      apacheDefaults: opts.apacheDefaults === true,
    };
    writeConfig(spec.configPath, {
      ...baseConfig(tickTime, dataDir, clientPort, clientHost, opts.apacheDefaults === true),
      initLimit: 10,
      syncLimit: 5,
      ...serverLines,
      ...secure.config,
      ...opts.extraConfig,
    });
    return createMember(id, spec, securePort === 0 ? undefined : `${clientHost}:${securePort}`);
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(members.map((m) => m.stop()));
    rmSync(root, { recursive: true, force: true });
    untrackDir();
  };

  try {
    await Promise.all(members.map((m) => m.startWithin(startTimeoutMs)));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    connectString: members.map((m) => m.connectString).join(","),
    members,
    secureConnectString: tls ? members.map((m) => m.secureConnectString).join(",") : undefined,
    leader: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const modes = await Promise.all(
          members.map((m) => (m.running ? m.mode() : Promise.resolve(undefined))),
        );
        const leaders = members.filter((_, i) => modes[i] === "leader");
        if (leaders.length === 1 && leaders[0] !== undefined) return leaders[0];
        if (Date.now() >= deadline) {
          const seen = members.map((m, i) => `${m.id}:${modes[i] ?? "down"}`).join(" ");
          throw new Error(`no single leader within ${timeoutMs} ms (modes: ${seen})`);
        }
        await sleep(100);
      }
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

interface InternalMember extends EnsembleMember {
  startWithin(timeoutMs: number): Promise<void>;
}

function createMember(id: number, spec: ServerSpec, secureConnectString?: string): InternalMember {
  let proc: GuardedProcess | undefined;
  const startWithin = async (timeoutMs: number): Promise<void> => {
    if (proc !== undefined && !proc.hasExited()) throw new Error(`member ${id} is already running`);
    proc = launchServer(spec);
    await waitUntilServing(proc, spec, timeoutMs, isQuorumMode);
  };
  return {
    id,
    port: spec.clientPort,
    connectString: `${spec.clientHost ?? LOOPBACK}:${spec.clientPort}`,
    secureConnectString,
    get running() {
      return proc !== undefined && !proc.hasExited();
    },
    kill: async (signal = "SIGKILL") => {
      if (proc === undefined) return;
      if (signal === "SIGSTOP") await proc.pause();
      else if (isTerminatingSignal(signal)) await proc.terminate(signal);
      else proc.signal(signal);
    },
    start: () => startWithin(30_000),
    stop: async () => {
      await proc?.terminate("SIGKILL");
    },
    mode: () => serverMode(spec.clientPort, 1000, spec.clientHost),
    startWithin,
  };
}
