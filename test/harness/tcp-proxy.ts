import { connect, createServer, type Socket } from "node:net";
import { LOOPBACK } from "./ports.js";

export type Direction = "c2s" | "s2c";

export interface ProxiedFrame {
  /** 0-based number of the proxied TCP connection. */
  connection: number;
  direction: Direction;
  /** 0-based position among all frames of this proxy, in the order they were seen. */
  seq: number;
  /** The whole frame as it crossed the wire: 4-byte big-endian length, then the body. */
  bytes: Buffer;
}

export interface TcpProxyOptions {
  /** Called for every complete length-prefixed frame, in each direction, before it is forwarded. */
  onFrame?: (frame: ProxiedFrame) => void;
}

export interface TcpProxy {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  /** Every frame seen so far. */
  readonly frames: readonly ProxiedFrame[];
  /** Destroys all open connections in both directions (clients see a connection loss). */
  dropConnections(): void;
  /** Stops accepting connections and drops the open ones. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Splits a byte stream into ZooKeeper frames (4-byte big-endian length prefix, both directions). */
class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const total = 4 + this.pending.readInt32BE(0);
      if (total < 4 || this.pending.length < total) break;
      frames.push(Buffer.from(this.pending.subarray(0, total)));
      this.pending = this.pending.subarray(total);
    }
    return frames;
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` that records every ZooKeeper frame in each direction.
 * Frames are forwarded whole, in the order they complete.
 */
export function startTcpProxy(targetPort: number, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const frames: ProxiedFrame[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const pipe = (from: Socket, to: Socket, connection: number, direction: Direction): void => {
    const splitter = new FrameSplitter();
    from.on("data", (chunk: Buffer) => {
      for (const bytes of splitter.push(chunk)) {
        const frame: ProxiedFrame = { connection, direction, seq: frames.length, bytes };
        frames.push(frame);
        opts.onFrame?.(frame);
        to.write(bytes);
      }
    });
    from.on("end", () => to.end());
  };

  const server = createServer((client) => {
    const connection = connections++;
    const upstream = connect({ host: LOOPBACK, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on("error", () => undefined); // the peer sees the close; nothing else to report
    }
    pipe(client, upstream, connection, "c2s");
    pipe(upstream, client, connection, "s2c");
  });

  const dropConnections = (): void => {
    for (const s of sockets) s.destroy();
  };

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("proxy has no TCP address"));
        return;
      }
      const close = (): Promise<void> =>
        new Promise((done) => {
          dropConnections();
          if (!server.listening) {
            done();
            return;
          }
          server.close(() => done());
        });
      resolve({
        port: address.port,
        connectString: `${LOOPBACK}:${address.port}`,
        frames,
        dropConnections,
        close,
        [Symbol.asyncDispose]: close,
      });
    });
  });
}
