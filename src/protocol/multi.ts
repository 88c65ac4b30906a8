/**
 * multi (14) and multiRead (22) bodies (PROTOCOL.md §4.3):
 *   request  := { MultiHeader{type, done=false, err=-1} op-request }* MultiHeader{-1, true, -1}
 *   response := { MultiHeader{type, done=false, err} op-result }*   MultiHeader{-1, true, -1}
 */
import { JuteDecodeError, type JuteReader, type JuteWriter } from "./jute.js";
import { OpCode } from "./constants.js";
import {
  CreateRequest,
  Create2Response,
  CreateTTLRequest,
  DeleteRequest,
  GetChildrenResponse,
  GetDataResponse,
  PathWatchRequest,
  SetDataRequest,
  StatResponse,
  type ACL,
  type PathVersionRequest,
} from "./records.js";
import { readStat, type Stat } from "./stat.js";

export type MultiOp =
  | { type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer; req: CreateRequest }
  | { type: typeof OpCode.createTTL; req: CreateTTLRequest }
  | { type: typeof OpCode.delete | typeof OpCode.check; req: PathVersionRequest }
  | { type: typeof OpCode.setData; req: SetDataRequest }
  | { type: typeof OpCode.getChildren | typeof OpCode.getData; req: PathWatchRequest };

export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete }
  | { type: typeof OpCode.check }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.getData; data: Buffer | null; stat: Stat }
  | { type: typeof OpCode.error; err: number };

export type MultiKind = "write" | "read";

const WRITE_OPS = new Set<number>([1, 2, 5, 13, 15, 19, 21]);
const READ_OPS = new Set<number>([4, 8]);

function writeHeader(w: JuteWriter, type: number, done: boolean, err: number): void {
  w.writeInt(type).writeBool(done).writeInt(err);
}

export function writeMultiRequest(w: JuteWriter, ops: readonly MultiOp[]): void {
  for (const op of ops) {
    writeHeader(w, op.type, false, -1);
    switch (op.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        CreateRequest.write(w, op.req);
        break;
      case OpCode.createTTL:
        CreateTTLRequest.write(w, op.req);
        break;
      case OpCode.delete:
      case OpCode.check:
        DeleteRequest.write(w, op.req);
        break;
      case OpCode.setData:
        SetDataRequest.write(w, op.req);
        break;
      case OpCode.getChildren:
      case OpCode.getData:
        PathWatchRequest.write(w, op.req);
        break;
    }
  }
  writeHeader(w, -1, true, -1);
}

const str = (r: JuteReader): string => r.readString() ?? "";

/** ACL vector, decoded field by field (the generic record codec is a hot spot on the server). */
function readAcls(r: JuteReader): ACL[] {
  const n = r.readVectorLength();
  const out = new Array<ACL>(n);
  for (let i = 0; i < n; i++) {
    const perms = r.readInt();
    const scheme = str(r);
    out[i] = { perms, id: { scheme, id: str(r) } };
  }
  return out;
}

function readCreate(r: JuteReader): CreateRequest {
  const path = str(r);
  const data = r.readBuffer();
  const acl = readAcls(r);
  return { path, data, acl, flags: r.readInt() };
}

/** Throws JuteDecodeError for an op type not allowed in this kind of multi (the server answers MARSHALLINGERROR). */
export function readMultiRequest(r: JuteReader, kind: MultiKind): MultiOp[] {
  const allowed = kind === "write" ? WRITE_OPS : READ_OPS;
  const ops: MultiOp[] = [];
  for (;;) {
    const type = r.readInt();
    const done = r.readBool();
    r.readInt();
    if (done) return ops;
    if (!allowed.has(type)) throw new JuteDecodeError(`op type ${type} not allowed in a ${kind} multi`);
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        ops.push({ type, req: readCreate(r) });
        break;
      case OpCode.createTTL: {
        const c = readCreate(r);
        ops.push({
          type,
          req: { path: c.path, data: c.data, acl: c.acl, flags: c.flags, ttl: r.readLongNumber() },
        });
        break;
      }
      case OpCode.delete:
      case OpCode.check: {
        const path = str(r);
        ops.push({ type, req: { path, version: r.readInt() } });
        break;
      }
      case OpCode.setData: {
        const path = str(r);
        const data = r.readBuffer();
        ops.push({ type, req: { path, data, version: r.readInt() } });
        break;
      }
      case OpCode.getChildren:
      case OpCode.getData:
        ops.push({ type, req: PathWatchRequest.read(r) });
        break;
    }
  }
}

export function writeMultiResponse(w: JuteWriter, results: readonly MultiResult[]): void {
  for (const res of results) {
    writeHeader(w, res.type, false, res.type === OpCode.error ? res.err : 0);
    switch (res.type) {
      case OpCode.create:
        w.writeString(res.path);
        break;
      case OpCode.create2:
        Create2Response.write(w, res);
        break;
      case OpCode.setData:
        StatResponse.write(w, res);
        break;
      case OpCode.getChildren:
        GetChildrenResponse.write(w, res);
        break;
      case OpCode.getData:
        GetDataResponse.write(w, res);
        break;
      case OpCode.error:
        w.writeInt(res.err);
        break;
      case OpCode.delete:
      case OpCode.check:
        break;
    }
  }
  writeHeader(w, -1, true, -1);
}

export function readMultiResponse(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const type = r.readInt();
    const done = r.readBool();
    const err = r.readInt();
    if (done) return results;
    results.push(readMultiResult(r, type, err));
  }
}

/** One op's result body, after its MultiHeader {type, done=false, err}. */
export function readMultiResult(r: JuteReader, type: number, err: number): MultiResult {
  switch (type) {
    case OpCode.create:
      return { type, path: r.readString() ?? "" };
    case OpCode.create2:
      return { type, path: r.readString() ?? "", stat: readStat(r) };
    case OpCode.setData:
      return { type, stat: readStat(r) };
    case OpCode.getChildren:
      return { type, children: readStringVector(r) };
    case OpCode.getData:
      return { type, data: r.readBuffer(), stat: readStat(r) };
    case OpCode.delete:
    case OpCode.check:
      return { type };
    case OpCode.error:
      // The code is in the header and repeated in the body.
      r.readInt();
      return { type, err };
    default:
      throw new JuteDecodeError(`unknown multi result type ${type}`);
  }
}

/** vector<ustring>, null read as empty (children lists). */
export function readStringVector(r: JuteReader): string[] {
  const n = r.readVectorLength();
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.readString() ?? "";
  return out;
}
