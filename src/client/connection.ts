/**
 * One TCP connection to one server: socket, framing, handshake (PROTOCOL.md §2), and batched writes.
 * Requests are encoded straight into one growing buffer and written once per tick, however many
 * are pipelined. Knows nothing of sessions beyond the handshake records.
 */
import type net from "node:net";
import {
  FrameDecoder,
  FrameError,
  JuteReader,
  JuteWriter,
  readExtension,
  records,
  writeExtension,
  type ConnectRequest,
  type ConnectResponse,
} from "../protocol/index.js";
import { ConnectionLossError } from "./errors.js";
import { formatHost, type HostPort } from "./connect-string.js";
import {
  classifyOpenError,
  looksLikeTlsRecord,
  openSocket,
  plaintextToTlsPort,
  type ResolvedTls,
} from "./tls.js";
import { slabReader } from "./read-slab.js";

export interface ConnectionHandlers {
  /**
   * One complete frame body, `buf[start, end)` (no length prefix); `buf` may hold other frames, so
   * copy what must outlive the call. May throw: the connection is then dropped.
   */
  onFrame(buf: Buffer, start: number, end: number): void;
  /**
   * A frame longer than the limit was skipped: its first 16 bytes (a reply header) and its length.
   * May throw: the connection is then dropped.
   */
  onOversized(head: Buffer, length: number): void;
  /** Called exactly once, however the connection ends. */
  onClose(reason: Error): void;
}

const INITIAL_WRITE_BUFFER = 4096;

/** Where the socket's reads go (the socket's `onread` callback is fixed when it is created). */
interface ReadRoute {
  to: (chunk: Buffer) => void;
}

/** The server closed the connection before answering the handshake (not serving, zxid ahead, TLS-only port…). */
export class HandshakeClosedError extends Error {
  override readonly name = "HandshakeClosedError";
}

export class Connection {
  /** Extension features the server granted in its ConnectResponse (PROTOCOL.md §10); 0 from Apache. */
  features = 0;
  private writer = new JuteWriter(INITIAL_WRITE_BUFFER);
  private flushScheduled = false;
  private handlers: ConnectionHandlers | null = null;
  private closed = false;
  private closeReason: Error | null = null;
  /** performance.now() of the last flush / the last received bytes. */
  lastSend = performance.now();
  lastRecv = performance.now();

  private constructor(
    private readonly socket: net.Socket,
    private readonly decoder: FrameDecoder,
    readonly server: string,
    private backlog: Buffer[],
    route: ReadRoute,
  ) {
    route.to = (chunk) => this.onData(chunk);
    socket.on("error", (err) => {
      this.closeReason ??= err;
    });
    socket.on("close", () =>
      this.finish(this.closeReason ?? new Error(`connection to ${server} closed by the server`)),
    );
  }

  /**
   * Connects and completes the handshake. Rejects on timeout, refusal, abort, or an early close
   * (a server that refuses a session, e.g. because our zxid is ahead, closes without replying).
   * With `tls`, the TLS handshake comes first; TLS failures reject with a TlsError naming the cause.
   */
  static open(
    hp: HostPort,
    req: ConnectRequest,
    timeoutMs: number,
    maxFrame: number,
    signal: AbortSignal,
    tls: ResolvedTls | null = null,
    /** Extension features to ask for (protocol/extensions.ts); 0 sends a plain ConnectRequest. */
    features = 0,
  ): Promise<{ conn: Connection; response: ConnectResponse }> {
    const server = formatHost(hp);
    return new Promise((resolve, reject) => {
      // Reads go to the handshake until the session is attached, then to the connection.
      const route: ReadRoute = { to: () => undefined };
      const { socket, ready } = openSocket(
        hp,
        tls,
        slabReader((chunk) => route.to(chunk)),
      );
      let secured = false;
      socket.setNoDelay(true);
      let opened: Connection | null = null;
      // An oversized reply is skipped and fails alone once attached; during the handshake it fails it.
      const decoder = new FrameDecoder(maxFrame, (head, length) => {
        if (opened === null) throw new FrameError(`frame of ${length} bytes during the handshake`, length);
        opened.oversized(head, length);
      });
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        cleanup();
        socket.destroy();
        reject(classifyOpenError(err, server, tls !== null, secured));
      };
      const timer = setTimeout(
        () => fail(new Error(`connecting to ${server} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = (): void => fail(new Error("connection attempt aborted"));
      const onError = (err: Error): void => fail(err);
      const onClose = (): void =>
        fail(
          new HandshakeClosedError(
            `${server} closed the connection during the handshake` +
              (tls === null
                ? " (not serving yet?)"
                : " (not serving yet, or it refused our client certificate without saying so)"),
          ),
        );
      let first = true;
      const onData = (chunk: Buffer): void => {
        if (first && tls === null && looksLikeTlsRecord(chunk)) return fail(plaintextToTlsPort(server));
        first = false;
        let frames: Buffer[];
        try {
          frames = decoder.push(chunk);
        } catch (err) {
          fail(err as Error);
          return;
        }
        // Frames after the handshake reply are delivered once attached (views of a chunk that the
        // socket never reuses, so keeping them is safe).
        const head = frames.shift();
        if (head === undefined) return;
        let response: ConnectResponse;
        let granted = 0;
        try {
          const r = new JuteReader(head);
          response = records.ConnectResponse.read(r);
          // After the readOnly byte, the features a server that knows the extension grants (PROTOCOL.md §10).
          if (features !== 0) granted = readExtension(r) & features;
        } catch (err) {
          fail(err as Error);
          return;
        }
        settled = true;
        cleanup();
        opened = new Connection(socket, decoder, server, frames, route);
        opened.features = granted;
        resolve({ conn: opened, response });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        socket.off("error", onError);
        socket.off("close", onClose);
        route.to = () => undefined;
      };
      if (signal.aborted) {
        fail(new Error("connection attempt aborted"));
        return;
      }
      signal.addEventListener("abort", onAbort);
      socket.on("error", onError);
      socket.on("close", onClose);
      route.to = onData;
      socket.once(ready, () => {
        secured = true;
        const w = new JuteWriter(64);
        w.writeInt(0);
        records.ConnectRequest.write(w, req);
        w.writeBool(false); // readOnly: not allowed to talk to a read-only server (PROTOCOL.md §2.1)
        if (features !== 0) writeExtension(w, features); // Apache ignores it (PROTOCOL.md §10)
        w.patchInt(0, w.length - 4);
        socket.write(w.toBuffer());
      });
    });
  }

  /** Start receiving frames; frames that arrived with the handshake reply are delivered first. */
  attach(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    const backlog = this.backlog;
    this.backlog = [];
    for (const f of backlog) {
      if (this.closed) return;
      this.deliver(f, 0, f.length);
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Reserve a frame's length; write the frame's content to `writer`, then call `endFrame`. */
  beginFrame(): number {
    const off = this.writer.length;
    this.writer.writeInt(0);
    return off;
  }

  get out(): JuteWriter {
    return this.writer;
  }

  endFrame(off: number): void {
    this.writer.patchInt(off, this.writer.length - off - 4);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Undo a partly written frame (its encoder threw). */
  abortFrame(off: number): void {
    this.writer.truncate(off);
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.writer.length === 0 || this.closed) return;
    const bytes = this.writer.view();
    this.socket.write(bytes);
    // Usually the kernel takes every byte at once (nothing left queued): the buffer is free to be
    // reused. Otherwise the socket keeps a reference until written, so start a new one.
    if (this.socket.writableLength === 0) this.writer.reset();
    else this.writer = new JuteWriter(Math.max(INITIAL_WRITE_BUFFER, bytes.length));
    this.lastSend = performance.now();
  }

  /** Close the socket now; `onClose` fires with `reason`. */
  destroy(reason: Error): void {
    this.closeReason ??= reason;
    this.socket.destroy();
    this.finish(reason);
  }

  private onData(chunk: Buffer): void {
    this.lastRecv = performance.now();
    try {
      this.decoder.each(chunk, this.sink);
    } catch (err) {
      this.destroy(new ConnectionLossError({ message: `bad frame from ${this.server}`, cause: err }));
    }
  }

  /** Every frame of a chunk, in order; nothing after the connection closed. */
  private readonly sink = (buf: Buffer, start: number, end: number): void => {
    if (this.closed) return;
    if (this.handlers === null) this.backlog.push(buf.subarray(start, end));
    else this.deliver(buf, start, end);
  };

  /** Called by the decoder (inside onData's try) for a skipped oversized frame. */
  private oversized(head: Buffer, length: number): void {
    if (this.closed) return;
    if (this.handlers === null || this.backlog.length > 0)
      throw new FrameError(`frame of ${length} bytes before the session was attached`, length);
    this.handlers.onOversized(head, length);
  }

  private deliver(buf: Buffer, start: number, end: number): void {
    try {
      this.handlers?.onFrame(buf, start, end);
    } catch (err) {
      this.destroy(new ConnectionLossError({ message: `undecodable reply from ${this.server}`, cause: err }));
    }
  }

  private finish(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handlers?.onClose(reason);
  }
}
