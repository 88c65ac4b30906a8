/**
 * A distributed mutex (Curator's InterProcessMutex, without reentrancy).
 *
 * ```ts
 * const mutex = new Mutex(client, { path: "/app/locks/report" });
 * await using lease = await mutex.acquire({ timeoutMs: 5000 });
 * doWork(lease.signal);            // aborted if the lock may have been lost
 * ```
 *
 * Each contender creates `<path>/lock_<sessionId hex>_<uuid>-<seq>` (ephemeral sequential) and
 * holds the lock when its node is the lowest; otherwise it watches only its predecessor, so a
 * release wakes exactly one waiter (no herd effect). A holder's node goes with its session, so a
 * crashed holder frees the lock when its session expires.
 *
 * A lease's `signal` aborts (LockReleasedError) on release, on close, on session loss — and already
 * on a connection loss ("suspended"), as we can no longer know whether the session survives; the
 * node is then deleted after reconnecting, so the lease really ends. Like every ZooKeeper lock this
 * cannot stop a paused holder from acting late; pair it with fencing (see LeaderElection) for that.
 */
import {
  isRetriable,
  ClientClosedError,
  type Logger,
  type StateEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import {
  LockReleasedError,
  LockTimeoutError,
  RecipeClosedError,
  RecipeError,
  type LockEndReason,
} from "./errors.js";
import {
  SILENT,
  basename,
  bySequence,
  createOwnSequential,
  deleteIfExists,
  ensurePath,
  join,
  sessionPrefix,
  toBuffer,
} from "./internal.js";
import { checkLogger, checkRecipePath } from "./options.js";

export interface MutexOptions {
  /** Parent of the contenders' nodes; created if missing. */
  path: string;
  /** Data of our lock node (e.g. who holds it); default empty. */
  data?: Uint8Array | string;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
}

export interface AcquireOptions {
  /** Give up (LockTimeoutError) after this many ms. Default: wait indefinitely. */
  timeoutMs?: number;
  /** Give up (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

export interface LockLease extends AsyncDisposable {
  /** Our lock node. */
  readonly path: string;
  /** Aborted (reason: LockReleasedError) the moment the lock is, or may be, no longer ours. */
  readonly signal: AbortSignal;
  /** Deletes our node; safe to call twice. */
  release(): Promise<void>;
}

export class Mutex implements AsyncDisposable {
  private readonly path: string;
  private readonly data: Buffer;
  private readonly log: Logger;
  private busy = false;
  private held: { node: string; abort: AbortController } | null = null;
  /** Nodes whose lease ended while disconnected: deleted once we are connected again. */
  private readonly orphans = new Set<string>();
  private cancel: AbortController | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly onState = (e: StateEvent): void => this.handleState(e);

  constructor(
    private readonly client: ZooKeeperClient,
    opts: MutexOptions,
  ) {
    this.path = checkRecipePath("path", opts.path);
    this.data = toBuffer(opts.data);
    this.log = checkLogger(opts.logger) ?? SILENT;
  }

  get isHeld(): boolean {
    return this.held !== null;
  }

  /** Waits until we hold the lock. Not reentrant: one acquire (or lease) at a time per Mutex. */
  async acquire(opts: AcquireOptions = {}): Promise<LockLease> {
    if (this.closed) throw new RecipeClosedError("Mutex");
    if (this.busy || this.held !== null) throw new RecipeError("Mutex is already held or being acquired");
    this.busy = true;
    const cancel = new AbortController();
    this.cancel = cancel;
    const onAbort = (): void => cancel.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted === true) onAbort();
    const timeoutMs = opts.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => cancel.abort(new LockTimeoutError(this.path, timeoutMs)), timeoutMs);
    cancel.signal.addEventListener("abort", () => this.wake?.(), { once: true });
    this.client.on("state", this.onState);
    let node: string | null = null;
    try {
      await ensurePath(this.client, this.path);
      cancel.signal.throwIfAborted();
      node = await createOwnSequential(this.client, this.path, sessionPrefix(this.client, "lock"), this.data);
      await this.waitUntilFirst(node, cancel.signal);
      return this.grant(node);
    } catch (err) {
      if (node !== null) await this.dropQuietly(node);
      this.client.off("state", this.onState);
      throw cancel.signal.aborted ? (cancel.signal.reason as Error) : err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      this.cancel = null;
      this.busy = false;
    }
  }

  /** Releases the lease, if any. */
  async release(): Promise<void> {
    await this.end("released");
  }

  /** Cancels a pending acquire (RecipeClosedError) and releases. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel?.abort(new RecipeClosedError("Mutex"));
    await this.end("closed");
    this.client.off("state", this.onState);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async waitUntilFirst(node: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const children = bySequence(await this.client.getChildren(this.path));
      const index = children.indexOf(basename(node));
      if (index === 0) return;
      const previous = children[index - 1];
      if (index < 0 || previous === undefined) throw new RecipeError(`lock node ${node} vanished`);
      const woke = new Promise<void>((resolve) => (this.wake = resolve));
      // Only our predecessor: its deletion (release, or its session expiring) wakes only us.
      const stat = await this.client.exists(join(this.path, previous), { watch: () => this.wake?.() });
      if (stat !== null) await woke;
      this.wake = null;
    }
  }

  private grant(node: string): LockLease {
    const abort = new AbortController();
    this.held = { node, abort };
    return {
      path: node,
      signal: abort.signal,
      release: () => (this.held?.node === node ? this.end("released") : Promise.resolve()),
      [Symbol.asyncDispose]: () => (this.held?.node === node ? this.end("released") : Promise.resolve()),
    };
  }

  private async end(reason: LockEndReason): Promise<void> {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    if (!this.busy && reason !== "suspended") this.client.off("state", this.onState);
    held.abort.abort(new LockReleasedError(reason, held.node));
    if (reason === "lost") return; // the node went with the session
    if (reason === "suspended") {
      this.orphans.add(held.node);
      return;
    }
    await this.dropQuietly(held.node);
  }

  private handleState(e: StateEvent): void {
    if (e.type === "suspended") void this.end("suspended");
    else if (e.type === "reconnected") {
      this.wake?.(); // re-check: a watch event may have been missed around the reconnect
      for (const node of this.orphans) void this.dropQuietly(node);
      this.orphans.clear();
      if (this.held === null && !this.busy) this.client.off("state", this.onState);
    } else if (e.type === "lost" || e.type === "closed") {
      this.orphans.clear();
      this.cancel?.abort(e.type === "lost" ? e.reason : new ClientClosedError());
      void this.end("lost");
      this.client.off("state", this.onState);
    }
  }

  /** Deletes our node; a failure is logged only: the node is ephemeral and goes with the session. */
  private async dropQuietly(node: string): Promise<void> {
    try {
      await deleteIfExists(this.client, node);
    } catch (err) {
      const level = isRetriable(err) ? "debug" : "warn";
      this.log[level]({ err, path: node }, "mutex: could not delete lock node");
    }
  }
}
