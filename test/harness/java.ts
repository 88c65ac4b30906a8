import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { groupStopped, untilStopped } from "./stopped.js";

/** Where Debian's `zookeeper` / `libzookeeper-java` packages put things. */
export const ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar";
export const ZOOKEEPER_CONF_DIR = "/etc/zookeeper/conf";
/** slf4j → log4j 1.2 binding; both are dependencies of libzookeeper-java. Without them the server logs nothing. */
const LOG4J_JARS = ["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"];
/**
 * Netty jars (libnetty-java, a dependency of libzookeeper-java) that zookeeper.jar's manifest leaves out
 * but NettyServerCnxnFactory needs for TLS (secureClientPort): SslHandler lives in netty-codec.
 */
const NETTY_JARS = ["codec", "resolver", "transport-native-unix-common"].map(
  (n) => `/usr/share/java/netty-${n}.jar`,
);
/** Silences slf4j's "no binder" warnings in zkCli. */
const SLF4J_NOP_JAR = "/usr/share/java/slf4j-nop.jar";

export const INSTALL_HINT = "run .ci/run (or scripts/install-system-deps.sh, or `apt-get install zookeeper`)";

/** JVM flags that cut start-up time and memory for short-lived test JVMs. */
export const FAST_JVM_FLAGS: readonly string[] = [
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
  "-XX:-UsePerfData",
  "-Xshare:auto",
  "-Djava.net.preferIPv4Stack=true",
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of the `java` binary ($JAVA_HOME/bin/java, else the first on $PATH), or undefined. */
export function findJava(): string | undefined {
  const home = process.env["JAVA_HOME"];
  if (home !== undefined && home !== "" && isExecutable(join(home, "bin", "java")))
    return join(home, "bin", "java");
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir !== "" && isExecutable(join(dir, "java"))) return join(dir, "java");
  }
  return undefined;
}

/** Why Apache ZooKeeper cannot be started here, or undefined if it can. */
export function apacheZooKeeperProblem(): string | undefined {
  const missing: string[] = [];
  if (findJava() === undefined) missing.push("java (not on PATH / JAVA_HOME)");
  if (!existsSync(ZOOKEEPER_JAR)) missing.push(ZOOKEEPER_JAR);
  if (missing.length === 0) return undefined;
  return `Apache ZooKeeper is not available: missing ${missing.join(" and ")}; ${INSTALL_HINT}`;
}

export function requireJava(): string {
  const problem = apacheZooKeeperProblem();
  const java = findJava();
  if (problem !== undefined || java === undefined) throw new Error(problem ?? "java not found");
  return java;
}

/** Class path for server JVMs: `confDir` (which holds our log4j.properties) first, then ZooKeeper and logging. */
export function serverClassPath(confDir: string): string {
  const jars = [...LOG4J_JARS, ...NETTY_JARS].filter((jar) => existsSync(jar));
  return [confDir, ZOOKEEPER_JAR, ...jars].join(delimiter);
}

/** Class path for zkCli, as zkEnv.sh builds it, plus the no-op slf4j binding and the Netty jars its TLS socket needs. */
export function cliClassPath(): string {
  const jars = [SLF4J_NOP_JAR, ...NETTY_JARS].filter((jar) => existsSync(jar));
  return [ZOOKEEPER_CONF_DIR, ZOOKEEPER_JAR, ...jars].join(delimiter);
}

export const LOG4J_PROPERTIES = [
  "log4j.rootLogger=INFO, CONSOLE",
  "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
  "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n",
  "",
].join("\n");

// ---------------------------------------------------------------------------------------------------------------
// Child tracking: every JVM the harness starts dies with the test process.
// ---------------------------------------------------------------------------------------------------------------

const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Registers a temp dir to be removed when the process exits (if it still exists). */
export function trackTempDir(dir: string): () => void {
  installExitHook();
  tempDirs.add(dir);
  return () => tempDirs.delete(dir);
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GuardedProcess {
  readonly pid: number;
  /** Settles when the process has exited; keeps the event loop alive while awaited. */
  waitForExit(): Promise<ExitStatus>;
  hasExited(): boolean;
  /** Sends `signal` to the process group (the JVM and its watchdog). */
  signal(signal: NodeJS.Signals): void;
  /**
   * SIGSTOP to the group, resolved once every thread in it is stopped: the kernel stops a many-threaded
   * JVM over some time, and meanwhile it may still answer (a test that SIGSTOPped Apache got srvr's reply).
   */
  pause(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for the exit, escalating to SIGKILL after `graceMs`. */
  terminate(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
}

/**
 * Registers a process group to be SIGKILLed when this process exits. Returns the unregister function.
 * The group id is the pid of a child spawned with `detached: true`.
 */
export function trackProcessGroup(pgid: number): () => void {
  installExitHook();
  liveGroups.add(pgid);
  return () => liveGroups.delete(pgid);
}

/** Sends `signal` to every process in group `pgid`; false if the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * `sh` wrapper: runs the command with stdin from /dev/null while a watchdog reads the wrapper's stdin pipe.
 * The pipe's other end belongs to the Node process, so when Node dies by any means (even SIGKILL, when no exit
 * hook runs) the watchdog reads EOF and kills the command. The wrapper ignores catchable signals sent to the
 * group and exits with the command's status once the command is gone.
 */
const WATCHDOG_SCRIPT =
  'exec 3<&0; "$@" </dev/null 3<&- & j=$!; ' +
  // Signals sent to the group reach the command directly; the wrapper outlives it so its exit status is seen.
  "trap '' HUP INT QUIT PIPE ALRM TERM USR1 USR2; " +
  '( cat <&3 >/dev/null; kill -KILL "$j" 2>/dev/null ) & exec 3<&- 0</dev/null; wait "$j"';

/**
 * Spawns `command` in its own process group under the watchdog, with stdout and stderr appended to `logFd`.
 * The child does not keep the event loop alive by itself; only waiting for its exit does.
 */
export function spawnGuarded(command: string, args: readonly string[], logFd: number): GuardedProcess {
  const child: ChildProcess = spawn("sh", ["-c", WATCHDOG_SCRIPT, "sh", command, ...args], {
    detached: true,
    stdio: ["pipe", logFd, logFd],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${command}`);
  const untrack = trackProcessGroup(pid);
  let done = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      untrack();
      // The JVM is gone; take the watchdog (and anything else left in the group) with it.
      signalGroup(pid, "SIGKILL");
      child.stdin?.destroy();
      resolve({ code, signal });
    });
  });
  child.unref();
  unrefStream(child.stdin);
  const waitForExit = (): Promise<ExitStatus> => {
    if (!done) child.ref();
    return exited;
  };
  const signal = (sig: NodeJS.Signals): void => {
    if (!done) signalGroup(pid, sig);
  };
  return {
    pid,
    waitForExit,
    hasExited: () => done,
    signal,
    pause: async () => {
      signal("SIGSTOP");
      await untilStopped(() => done || groupStopped(pid), `process group ${pid}`);
    },
    terminate: async (sig = "SIGKILL", graceMs = 10_000) => {
      signal(sig);
      const timer = sig === "SIGKILL" ? undefined : setTimeout(() => signal("SIGKILL"), graceMs);
      try {
        return await waitForExit();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Lets the event loop exit while `stream` (a pipe of a child process) is still open. */
export function unrefStream(stream: unknown): void {
  if (
    typeof stream === "object" &&
    stream !== null &&
    "unref" in stream &&
    typeof stream.unref === "function"
  ) {
    (stream as { unref(): void }).unref();
  }
}
