/**
 * Frame fuzzing shared by test/server/frames.property.test.ts (CI, a few thousand cases) and
 * scripts/stress-frames.ts (100,000 cases + report): random and mutated frames, on fresh
 * connections, against a server whose canary session must stay unaffected.
 */
import { readFileSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  OpCode,
  finishFrame,
  records,
  requestFrame,
  startFrame,
  type MultiOp,
} from "../../src/protocol/index.js";
import type { Logger } from "../../src/server/index.js";
import { multiCodec } from "./child-server.js";
import { OPEN, RawClient } from "./raw-client.js";

const GOLDEN = fileURLToPath(new URL("../fixtures/golden/", import.meta.url));

/** Client→server frames captured from zkCli ↔ Apache (if present) plus frames built here. */
export function seedFrames(): { handshakes: Buffer[]; requests: Buffer[] } {
  const handshakes: Buffer[] = [];
  const requests: Buffer[] = [];
  try {
    for (const name of readdirSync(GOLDEN)
      .filter((n) => n.includes("-c2s-"))
      .sort()) {
      const bytes = Buffer.from(readFileSync(GOLDEN + name, "utf8").trim(), "hex");
      (name.includes("connect") ? handshakes : requests).push(bytes);
    }
  } catch {
    // The golden captures are optional here; the built frames below cover every opcode family.
  }
  let xid = 1;
  const c = <T>(type: number, codec: Parameters<typeof requestFrame<T>>[2], body: T): Buffer =>
    requestFrame(xid++, type, codec, body);
  const multi: MultiOp[] = [
    { type: OpCode.create, req: { path: "/f/m", data: Buffer.from("x"), acl: OPEN, flags: 0 } },
    { type: OpCode.setData, req: { path: "/f/m", data: null, version: -1 } },
    { type: OpCode.check, req: { path: "/f", version: -1 } },
    { type: OpCode.delete, req: { path: "/f/m", version: -1 } },
  ];
  requests.push(
    c(OpCode.create, records.CreateRequest, { path: "/f/s-", data: Buffer.from("d"), acl: OPEN, flags: 3 }),
    c(OpCode.createTTL, records.CreateTTLRequest, {
      path: "/f/t",
      data: null,
      acl: OPEN,
      flags: 5,
      ttl: 100,
    }),
    c(OpCode.setData, records.SetDataRequest, { path: "/f", data: Buffer.from("z"), version: -1 }),
    c(OpCode.multi, multiCodec, multi),
    c(OpCode.multiRead, multiCodec, [{ type: OpCode.getData, req: { path: "/f", watch: true } }]),
    c(OpCode.setWatches, records.SetWatches, {
      relativeZxid: 1n,
      dataWatches: ["/f"],
      existWatches: ["/x"],
      childWatches: ["/"],
    }),
    c(OpCode.auth, records.AuthPacket, { type: 0, scheme: "digest", auth: Buffer.from("u:p") }),
    c(OpCode.getChildren, records.PathWatchRequest, { path: "/", watch: true }),
    c(OpCode.closeSession, null, null),
  );
  const w = startFrame();
  const hello = {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 30_000,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
  };
  records.ConnectRequest.write(w, hello);
  handshakes.push(finishFrame(w.writeBool(false)));
  return { handshakes, requests };
}

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "setInt"; at: number; value: number };

const INTERESTING = [-2, -1, 0, 1, 4, 16, 0x7f, 0xff, 0xfffff, 0x100000, 0x7fffffff, -0x80000000];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant("setInt" as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING) }),
);

function mutate(frame: Buffer, muts: readonly Mutation[], fixLength: boolean): Buffer {
  let b = Buffer.from(frame);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (b.length === 0 && m.kind !== "insert") continue;
    if (m.kind === "flip") b.writeUInt8((b.readUInt8(at) ^ (1 << m.bit)) & 0xff, at);
    else if (m.kind === "truncate") b = b.subarray(0, at);
    else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (b.length >= 4) b.writeInt32BE(m.value, Math.min(at, b.length - 4));
  }
  // Usually keep the framing valid so the mutation reaches the decoders behind it.
  if (fixLength && b.length >= 4) b.writeInt32BE(b.length - 4, 0);
  return b;
}

export interface FuzzCase {
  readonly handshake: Buffer | null;
  readonly frames: readonly Buffer[];
}

export function caseArb(seeds: { handshakes: Buffer[]; requests: Buffer[] }): fc.Arbitrary<FuzzCase> {
  const mutated = (pool: Buffer[]): fc.Arbitrary<Buffer> =>
    fc
      .tuple(
        fc.constantFrom(...pool),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }).map((n) => n > 0), // fix the length prefix 80% of the time
      )
      .map(([f, m, fix]) => mutate(f, m, fix));
  const frame = fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)) },
    { weight: 5, arbitrary: mutated(seeds.requests) },
    { weight: 2, arbitrary: fc.constantFrom(...seeds.requests) },
  );
  // Mostly a valid handshake, so most cases reach request decoding and dispatch.
  const handshake = fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: fc.constantFrom(...seeds.handshakes) },
    { weight: 2, arbitrary: mutated(seeds.handshakes) },
  );
  return fc.record({ handshake, frames: fc.array(frame, { minLength: 1, maxLength: 6 }) });
}

/** Send a case on a fresh connection, half-close, and wait until the server has closed it too. */
export async function runCase(port: number, c: FuzzCase): Promise<{ bytesBack: number }> {
  const sock = connect(port, "127.0.0.1");
  let bytesBack = 0;
  sock.on("data", (d: Buffer) => (bytesBack += d.length));
  const closed = new Promise<void>((resolve) => sock.on("close", () => resolve()));
  sock.on("error", () => undefined);
  await new Promise<void>((resolve) => sock.once("connect", resolve).once("error", () => resolve()));
  const parts = c.handshake === null ? [...c.frames] : [c.handshake, ...c.frames];
  sock.end(Buffer.concat(parts));
  const timer = setTimeout(() => sock.destroy(new Error("server did not close the connection")), 10_000);
  await closed;
  clearTimeout(timer);
  return { bytesBack };
}

/** A logger that counts the server's reasons for closing connections and records errors. */
export function countingLogger(): { logger: Logger; kinds: Map<string, number>; errors: string[] } {
  const kinds = new Map<string, number>();
  const errors: string[] = [];
  const kindOf = (obj: object | string, msg?: string): string => {
    if (typeof obj === "string") return obj;
    const err = (obj as { err?: unknown }).err;
    const name = err instanceof Error ? `${err.name}: ${err.message.replace(/\d+/g, "N").slice(0, 60)}` : "";
    return name === "" ? (msg ?? "") : `${msg ?? ""} (${name})`;
  };
  const count = (obj: object | string, msg?: string): void => {
    const k = kindOf(obj, msg);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  };
  const error = (obj: object | string, msg?: string): void => void errors.push(kindOf(obj, msg));
  return { logger: { debug: count, info: () => undefined, warn: count, error }, kinds, errors };
}

/** The canary: a session whose protected node must read back unchanged after every case. */
export async function canary(port: number): Promise<{ client: RawClient; check(): Promise<void> }> {
  const client = await RawClient.connect(port, { timeout: 30_000 });
  await client.call(
    OpCode.auth,
    records.AuthPacket,
    { type: 0, scheme: "digest", auth: Buffer.from("canary:secret") },
    null,
  );
  const acl = [{ perms: 31, id: { scheme: "auth", id: "" } }];
  await client.create("/f", "fuzz"); // an open playground the seeds write under
  const r = await client.create("/canary", "alive", 0, acl);
  if (r.err !== 0) throw new Error(`canary create failed: ${r.err}`);
  return {
    client,
    async check() {
      const d = await client.getData("/canary");
      if (d.err !== 0 || d.body?.data?.toString() !== "alive" || d.body.stat.version !== 0) {
        throw new Error(`canary damaged: err ${d.err}, data ${d.body?.data?.toString()}`);
      }
    },
  };
}
