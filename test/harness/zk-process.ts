import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { serverMode } from "./four-letter.js";
import { FAST_JVM_FLAGS, requireJava, serverClassPath, spawnGuarded, type GuardedProcess } from "./java.js";

/** Flags every server JVM gets, whatever its tuning; callers' `jvmFlags` come after them, so they win. */
const FUNCTIONAL_JVM_FLAGS: readonly string[] = [
  // TTL nodes (createTTL, opcode 21) are refused with UNIMPLEMENTED unless this is set.
  "-Dzookeeper.extendedTypesEnabled=true",
  "-Dzookeeper.jmx.log4j.disable=true",
];

/** Flags of a test server JVM: small heap, serial GC, C1 only — fast start-up, not fast serving. */
export const SERVER_JVM_FLAGS: readonly string[] = ["-Xmx256m", ...FAST_JVM_FLAGS, ...FUNCTIONAL_JVM_FLAGS];

/**
 * Flags of a server JVM that runs with Apache's own defaults (benchmarks): the JVM picks its collector (G1),
 * its compilers (C1 + C2) and its heap (¼ of RAM; Debian's zkServer.sh sets no -Xmx either).
 */
export const DEFAULTS_JVM_FLAGS: readonly string[] = FUNCTIONAL_JVM_FLAGS;

export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** One ZooKeeper server JVM: where it lives and how to run it. */
export interface ServerSpec {
  /** Directory holding zoo.cfg, log4j.properties and the log; it is also first on the class path. */
  confDir: string;
  configPath: string;
  logPath: string;
  mainClass: string;
  clientPort: number;
  /** The address the client port is bound to (`clientPortAddress`); default 127.0.0.1. */
  clientHost?: string;
  jvmFlags: readonly string[];
  /** Run with Apache's own JVM and txn-log defaults (DEFAULTS_JVM_FLAGS, no preAllocSize) instead of the
   * test-speed ones; for benchmarks. */
  apacheDefaults?: boolean;
}

export function renderConfig(entries: Readonly<Record<string, string | number>>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

export function writeConfig(path: string, entries: Readonly<Record<string, string | number>>): void {
  writeFileSync(path, renderConfig(entries));
}

/**
 * Settings shared by standalone servers and ensemble members (before the caller's `extraConfig`). With
 * `apacheDefaults` the txn log keeps Apache's default preallocation (64 MiB blocks) and forceSync (yes).
 */
export function baseConfig(
  tickTime: number,
  dataDir: string,
  clientPort: number,
  clientHost = "127.0.0.1",
  apacheDefaults = false,
): Record<string, string | number> {
  const config: Record<string, string | number> = {
    tickTime,
    dataDir,
    clientPort,
    clientPortAddress: clientHost,
    "4lw.commands.whitelist": "*",
    "admin.enableServer": "false",
    // Tests open many connections from 127.0.0.1; the default limit is 60 per address.
    maxClientCnxns: 0,
    // Honour requested session timeouts up to 60 s despite the small tickTime (max defaults to 20 × tickTime).
    maxSessionTimeout: 60_000,
  };
  // The txn log is preallocated in blocks of this many KiB (default 64 MiB): small blocks start tests faster.
  if (!apacheDefaults) config["preAllocSize"] = 4096;
  return config;
}

export function launchServer(spec: ServerSpec): GuardedProcess {
  const java = requireJava();
  const logFd = openSync(spec.logPath, "a");
  try {
    return spawnGuarded(
      java,
      [
        ...(spec.apacheDefaults === true ? DEFAULTS_JVM_FLAGS : SERVER_JVM_FLAGS),
        ...spec.jvmFlags,
        `-Dzookeeper.log.dir=${spec.confDir}`,
        `-Dlog4j.configuration=file:${spec.confDir}/log4j.properties`,
        "-cp",
        serverClassPath(spec.confDir),
        spec.mainClass,
        spec.configPath,
      ],
      logFd,
    );
  } finally {
    closeSync(logFd);
  }
}

/** The last `lines` lines of a log file (empty if it does not exist). */
export function logTail(path: string, lines = 40): string {
  if (!existsSync(path)) return "";
  return readFileSync(path, "utf8")
    .split("\n")
    .slice(-lines - 1)
    .join("\n");
}

export class ServerStartError extends Error {
  constructor(
    message: string,
    /** True when the log says the client port was taken (the caller may retry on another port). */
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = "ServerStartError";
  }
}

/**
 * Polls `srvr` with a short backoff until the server reports a mode accepted by `ready` (any mode by default).
 * Throws a ServerStartError carrying the log tail if the JVM exits or `timeoutMs` passes; the JVM is killed then.
 */
export async function waitUntilServing(
  proc: GuardedProcess,
  spec: ServerSpec,
  timeoutMs = DEFAULT_START_TIMEOUT_MS,
  ready: (mode: string) => boolean = () => true,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  // A 4lw connection accepted while the server is still starting is sometimes never answered nor closed
  // (ZooKeeper 3.8 drops it), so probes time out quickly; the timeout grows in case the machine is just slow.
  let probeTimeout = 250;
  for (;;) {
    if (proc.hasExited()) break;
    const started = Date.now();
    const mode = await serverMode(spec.clientPort, probeTimeout, spec.clientHost);
    if (mode !== undefined && ready(mode)) return mode;
    if (Date.now() - started >= probeTimeout) probeTimeout = Math.min(probeTimeout * 2, 2000);
    if (Date.now() >= deadline) break;
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
  const exited = proc.hasExited();
  await proc.terminate("SIGKILL");
  const tail = logTail(spec.logPath);
  const why = exited ? "the JVM exited" : `it did not answer srvr within ${timeoutMs} ms`;
  throw new ServerStartError(
    `Apache ZooKeeper (${spec.mainClass}, client port ${spec.clientPort}) failed to start: ${why}.\n` +
      `--- tail of ${spec.logPath} ---\n${tail}`,
    /Address already in use|BindException/.test(tail),
  );
}

export function isTerminatingSignal(signal: NodeJS.Signals): boolean {
  return !["SIGSTOP", "SIGTSTP", "SIGCONT", "SIGTTIN", "SIGTTOU", "SIGWINCH", "SIGURG", "SIGCHLD"].includes(
    signal,
  );
}
