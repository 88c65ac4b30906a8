/**
 * A frame-aware TCP proxy that interferes with the reply to one chosen request: `arm(match, "cut")`
 * lets the request through, and when the server's reply arrives (so the server has certainly applied
 * it) drops the connection instead of forwarding it; `arm(match, "hold")` holds that reply and every
 * later server frame until `release()`. The returned promise resolves when the reply was intercepted.
 */
import net from "node:net";
import { LOOPBACK } from "../harness/ports.js";

export interface Request {
  op: number;
  /** The leading string of the body (the path for most requests), or null. */
  path: string | null;
}

export interface ReplyProxy {
  readonly connectString: string;
  arm(match: (req: Request) => boolean, action: "cut" | "hold"): Promise<void>;
  /** Forward the held frames and stop holding. */
  release(): void;
  close(): Promise<void>;
}

class Splitter {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const total = 4 + this.buf.readInt32BE(0);
      if (this.buf.length < total) break;
      out.push(this.buf.subarray(0, total));
      this.buf = this.buf.subarray(total);
    }
    return out;
  }
}

function parseRequest(frame: Buffer): { xid: number; req: Request } | null {
  if (frame.length < 12) return null;
  const xid = frame.readInt32BE(4);
  const op = frame.readInt32BE(8);
  let path: string | null = null;
  if (frame.length >= 16) {
    const len = frame.readInt32BE(12);
    if (len >= 0 && 16 + len <= frame.length) path = frame.toString("utf8", 16, 16 + len);
  }
  return { xid, req: { op, path } };
}

interface Armed {
  match: (req: Request) => boolean;
  action: "cut" | "hold";
  fired: () => void;
}

export function startReplyProxy(host: string, port: number): Promise<ReplyProxy> {
  const sockets = new Set<net.Socket>();
  let armed: Armed | null = null;
  const holds = new Set<() => void>();

  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host, port });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    const c2s = new Splitter();
    const s2c = new Splitter();
    let handshakeSent = false;
    let handshakeReplied = false;
    let target: { xid: number; armed: Armed } | null = null;
    let held: Buffer[] | null = null;
    inbound.on("data", (chunk: Buffer) => {
      for (const f of c2s.push(chunk)) {
        if (!handshakeSent) handshakeSent = true;
        else if (armed !== null && target === null) {
          const parsed = parseRequest(f);
          if (parsed !== null && armed.match(parsed.req)) {
            target = { xid: parsed.xid, armed };
            armed = null;
          }
        }
        outbound.write(f);
      }
    });
    outbound.on("data", (chunk: Buffer) => {
      for (const f of s2c.push(chunk)) {
        if (!handshakeReplied) {
          handshakeReplied = true;
        } else if (held !== null) {
          held.push(f);
          continue;
        } else if (target !== null && f.length >= 8 && f.readInt32BE(4) === target.xid) {
          const t = target.armed;
          target = null;
          if (t.action === "cut") {
            inbound.destroy();
            outbound.destroy();
            t.fired();
            return;
          }
          held = [f];
          const release = (): void => {
            const frames = held ?? [];
            held = null;
            holds.delete(release);
            for (const h of frames) inbound.write(h);
          };
          holds.add(release);
          t.fired();
          continue;
        }
        inbound.write(f);
      }
    });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port: 0 }, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        connectString: `${LOOPBACK}:${addr.port}`,
        arm: (match, action) => new Promise<void>((fired) => (armed = { match, action, fired })),
        release: () => {
          for (const r of [...holds]) r();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
