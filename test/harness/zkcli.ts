import { spawn } from "node:child_process";
import {
  cliClassPath,
  FAST_JVM_FLAGS,
  requireJava,
  signalGroup,
  trackProcessGroup,
  unrefStream,
} from "./java.js";

/*
 * Driving Apache's zkCli (org.apache.zookeeper.ZooKeeperMain) from tests.
 *
 * Debian's zookeeper package ships without jline, so zkCli prints "JLine support is disabled" and then reads
 * stdin line by line WITHOUT ever printing a `[zk: host:port(CONNECTED) N]` prompt — with or without a TTY.
 * Prompt detection is therefore impossible; instead each command is followed by `printwatches`, a local command
 * (no network traffic) that prints exactly one line, "printwatches is on" (or "off"). zkCli runs stdin lines
 * strictly in order and every command in 3.8 is synchronous, so the k-th such line ends the k-th command's output.
 * stderr is merged into stdout at the OS level (`2>&1`), so error messages keep their place in the stream.
 */

const SENTINEL_COMMAND = "printwatches";
/** Normally a whole line; matched at the end of a line in case a command left its last line unterminated. */
const SENTINEL_LINE = /printwatches is (?:on|off)$/;
/** zkCli prints each watch event as "\nWATCHER::\n" then "\nWatchedEvent state:… type:… path:…\n" (one println each). */
const WATCHER_CHUNKS = /\nWATCHER::\n|\nWatchedEvent state:[^\n]*\n/g;
const CONNECTED = /WatchedEvent state:SyncConnected type:None path:null\n/;
/** The last line of zkCli's start-up banner ("Welcome to ZooKeeper!" before it), printed before it reads stdin. */
const BANNER_END = /JLine support is disabled\n/;

export interface ZkCliOptions {
  /** Session timeout asked for (zkCli `-timeout`), default 30000 ms. */
  sessionTimeoutMs?: number;
  /** Wait for "state:SyncConnected" before resolving (default true). */
  waitForConnected?: boolean;
  /** How long open() may take (JVM start + connect), default 30 s. */
  connectTimeoutMs?: number;
  /** Default timeout for run(), default 15 s. */
  commandTimeoutMs?: number;
  jvmFlags?: string[];
}

export interface ZkCli {
  /**
   * Sends one command line and resolves with its output (stdout and stderr interleaved as printed), without
   * asynchronous watch-event lines and without the final newline. Rejects on timeout or if zkCli exits.
   */
  run(command: string, timeoutMs?: number): Promise<string>;
  /**
   * Waits until `pattern` matches output that arrived since the previous successful waitFor() (or since the
   * session connected), including output that arrived during run() calls; resolves with the matched text.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Everything zkCli printed so far. */
  transcript(): string;
  /** Sends `quit` (which closes the session) and waits for the JVM to exit (killing it after 5 s). Idempotent. */
  close(): Promise<void>;
  /** SIGKILLs the JVM: the session is not closed and its ephemerals live until it expires. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pending {
  resolve(output: string): void;
  reject(err: Error): void;
}

interface Waiter {
  pattern: RegExp;
  resolve(text: string): void;
  reject(err: Error): void;
}

function tail(text: string, chars = 2000): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

/** Starts zkCli against `connectString` and (by default) waits until its session is connected. */
export async function openZkCli(connectString: string, opts: ZkCliOptions = {}): Promise<ZkCli> {
  const java = requireJava();
  const args = [
    "-Xmx128m",
    ...FAST_JVM_FLAGS,
    ...(opts.jvmFlags ?? []),
    "-cp",
    cliClassPath(),
    "org.apache.zookeeper.ZooKeeperMain",
    "-server",
    connectString,
    "-timeout",
    String(opts.sessionTimeoutMs ?? 30_000),
  ];
  // zkCli exits on stdin EOF, so it dies with us even without the exit hook.
  const child = spawn("sh", ["-c", 'exec "$@" 2>&1', "sh", java, ...args], {
    detached: true,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const pid = child.pid;
  const stdin = child.stdin;
  const stdout = child.stdout;
  if (pid === undefined || stdin === null || stdout === null) throw new Error("failed to spawn zkCli");
  const untrack = trackProcessGroup(pid);
  child.unref();
  unrefStream(stdin);
  unrefStream(stdout);
  stdin.on("error", () => undefined); // EPIPE after zkCli quits; exit is reported through `exited`

  let text = "";
  let segmentStart = 0; // where the output of the next command starts
  let sentinelsSeen = 0;
  let sentinelsSent = 0;
  let waitCursor = 0;
  let exitReason: string | undefined;
  const pending = new Map<number, Pending>();
  const waiters: Waiter[] = [];

  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      untrack();
      exitReason = `zkCli exited (code ${code}, signal ${signal})`;
      const err = (): Error => new Error(`${exitReason}; output so far:\n${tail(text)}`);
      for (const p of pending.values()) p.reject(err());
      pending.clear();
      for (const w of waiters.splice(0)) w.reject(err());
      resolve();
    });
  });

  const checkWaiters = (): void => {
    for (let i = 0; i < waiters.length;) {
      const w = waiters[i];
      const m = w === undefined ? null : w.pattern.exec(text.slice(waitCursor));
      if (w !== undefined && m !== null) {
        waitCursor += m.index + m[0].length;
        waiters.splice(i, 1);
        w.resolve(m[0]);
        i = 0; // the cursor moved: re-check earlier waiters from the new position
      } else {
        i++;
      }
    }
  };

  let lineStart = 0; // start of the first line not yet checked for a sentinel
  stdout.setEncoding("utf8");
  stdout.on("data", (chunk: string) => {
    text += chunk;
    for (let nl = text.indexOf("\n", lineStart); nl !== -1; nl = text.indexOf("\n", lineStart)) {
      const m = SENTINEL_LINE.exec(text.slice(lineStart, nl));
      if (m !== null) {
        const output = text.slice(segmentStart, lineStart + m.index);
        segmentStart = nl + 1;
        sentinelsSeen += 1;
        const p = pending.get(sentinelsSeen);
        pending.delete(sentinelsSeen);
        p?.resolve(output.replace(WATCHER_CHUNKS, "").replace(/\n$/, ""));
      }
      lineStart = nl + 1;
    }
    checkWaiters();
  });

  const withTimeout = <T>(
    promise: Promise<T>,
    ms: number,
    what: () => string,
    cancel: () => void,
  ): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`${what()} timed out after ${ms} ms; output so far:\n${tail(text)}`));
      }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };

  const waitFor = (pattern: RegExp, timeoutMs = 10_000): Promise<string> => {
    const plain = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    if (exitReason !== undefined) return Promise.reject(new Error(exitReason));
    let waiter: Waiter | undefined;
    const found = new Promise<string>((resolve, reject) => {
      waiter = { pattern: plain, resolve, reject };
      waiters.push(waiter);
    });
    checkWaiters();
    return withTimeout(
      found,
      timeoutMs,
      () => `waiting for ${String(pattern)}`,
      () => {
        const i = waiter === undefined ? -1 : waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
      },
    );
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (exitReason === undefined) {
        child.ref();
        stdin.end("quit\n");
        const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return closing;
  };

  const cli: ZkCli = {
    run: (command, timeoutMs = opts.commandTimeoutMs ?? 15_000) => {
      if (/[\r\n]/.test(command)) return Promise.reject(new Error("run() takes a single command line"));
      if (/^\s*quit\b/.test(command)) return Promise.reject(new Error("use close() to quit zkCli"));
      if (exitReason !== undefined || closing !== undefined) {
        return Promise.reject(new Error(exitReason ?? "zkCli is closing"));
      }
      sentinelsSent += 1;
      const index = sentinelsSent;
      const result = new Promise<string>((resolve, reject) => pending.set(index, { resolve, reject }));
      stdin.write(`${command}\n${SENTINEL_COMMAND}\n`);
      return withTimeout(
        result,
        timeoutMs,
        () => `zkCli command ${JSON.stringify(command)}`,
        () => pending.delete(index),
      );
    },
    waitFor,
    transcript: () => text,
    close,
    kill: async () => {
      child.ref();
      signalGroup(pid, "SIGKILL");
      await exited;
    },
    [Symbol.asyncDispose]: close,
  };

  try {
    if (opts.waitForConnected ?? true) await waitFor(CONNECTED, opts.connectTimeoutMs ?? 30_000);
    else waitCursor = text.length;
    // The banner is printed by zkCli's main thread, the connected event by its event thread: either may
    // come first (a CI run saw the banner in a first command's output). zkCli reads no stdin before it.
    if (!BANNER_END.test(text)) await waitFor(BANNER_END, opts.connectTimeoutMs ?? 30_000);
  } catch (err) {
    await close();
    throw err;
  }
  // Output of the first command starts here; the connection banner is not part of it.
  if (sentinelsSent === 0) segmentStart = lineStart;
  return cli;
}
