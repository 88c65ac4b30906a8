/**
 * What every part of the client shares: options, the session, path mapping, connection states,
 * and the lifecycle (`connect()`, `close()`). `new` touches nothing; `connect()` starts the session.
 */
import { stripPath, prefixPath } from "./connect-string.js";
import { InvalidArgumentError } from "./errors.js";
import { parseOptions, type ClientOptions, type ResolvedOptions } from "./options.js";
import { checkPath } from "./requests.js";
import { Session } from "./session.js";
import type { ConnectionState, StateEvent, StateListener } from "./states.js";

export class ClientBase implements AsyncDisposable {
  protected readonly opts: ResolvedOptions;
  protected readonly session: Session;
  protected readonly chroot: string | null;

  constructor(options: ClientOptions) {
    this.opts = parseOptions(options);
    this.chroot = this.opts.connect.chroot;
    this.session = new Session(this.opts);
  }

  /** Starts the session; resolves once connected (rejects with OperationTimeoutError after connectTimeout). */
  async connect(): Promise<this> {
    await this.session.start();
    return this;
  }

  get state(): ConnectionState {
    return this.session.states.state;
  }

  /** True while requests go straight to a server (state "connected" or "reconnected"). */
  get isConnected(): boolean {
    const s = this.session.states.state;
    return s === "connected" || s === "reconnected";
  }

  /**
   * The server this client is connected to sends watch events with data (`WatchEvent.data`/`stat`, option
   * `eventData`): overseer's embedded server does, Apache ZooKeeper does not. False while disconnected.
   */
  get eventsCarryData(): boolean {
    return this.session.eventsCarryData;
  }

  /** The session id (0n before the first session). */
  get sessionId(): bigint {
    return this.session.sessionId;
  }

  /**
   * The highest zxid this client has seen in a reply or notification: every change up to it is visible to
   * this session. A follower that lost events (a disconnect) re-reads what changed after it.
   */
  get lastZxid(): bigint {
    return this.session.lastZxid;
  }

  /** Negotiated session timeout in ms (0 before the first session). */
  get sessionTimeout(): number {
    return this.session.timeout;
  }

  on(event: "state", listener: StateListener): this {
    if (event !== "state") throw new InvalidArgumentError("event", `unknown event "${String(event)}"`);
    this.session.states.on(listener);
    return this;
  }

  off(event: "state", listener: StateListener): this {
    if (event === "state") this.session.states.off(listener);
    return this;
  }

  /** State events from now on, as an async iterable; it ends after "lost" or "closed". */
  states(): AsyncIterableIterator<StateEvent> {
    return this.session.states.iterate();
  }

  /** Ends the session (closeSession) and releases every timer and socket. Safe at any moment, any number of times. */
  close(): Promise<void> {
    return this.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected toServer(path: string): string {
    if (this.opts.checkArguments) checkPath(path);
    else if (typeof path !== "string") throw new InvalidArgumentError("path", "expected a string");
    return prefixPath(this.chroot, path);
  }

  protected fromServer(path: string | null): string {
    return stripPath(this.chroot, path ?? "");
  }

  /** Argument errors become rejections, so every operation reports failure the same way. */
  protected run<T>(op: () => Promise<T>): Promise<T> {
    // Not an async function: that would wrap every operation's promise in another one.
    try {
      return op();
    } catch (err) {
      return rejected(err);
    }
  }
}

/** A promise rejected with exactly `err`, whatever was thrown. */
async function rejected(err: unknown): Promise<never> {
  throw err;
}
