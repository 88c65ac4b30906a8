/**
 * Request encoding shared by single operations and transactions, written straight into the
 * connection's buffer (no intermediate records), plus the argument checks Java does client-side.
 */
import {
  CreateMode,
  JuteReader,
  MAX_TTL,
  OPEN_ACL_UNSAFE,
  OpCode,
  isTTL,
  isValidCreateMode,
  pathProblem,
  type ACL,
  type JuteWriter,
} from "../protocol/index.js";
import { BadArgumentsError, InvalidArgumentError, createError, type ZooKeeperError } from "./errors.js";
import type { Packet, Session } from "./session.js";
import type { CreateOptions, Data } from "./types.js";

/** Encodes node data: a string is written as its UTF-8 bytes (same wire form as a buffer). */
export function writeData(w: JuteWriter, data: Data): void {
  if (typeof data === "string") w.writeString(data);
  else w.writeBuffer(data);
}

export function writeACL(w: JuteWriter, acl: readonly ACL[]): void {
  w.writeInt(acl.length);
  for (const a of acl) w.writeInt(a.perms).writeString(a.id.scheme).writeString(a.id.id);
}

export function checkData(data: unknown): Data {
  if (data === undefined) return null;
  if (data === null || typeof data === "string" || data instanceof Uint8Array) return data;
  throw new InvalidArgumentError("data", "expected a Uint8Array, a string or null");
}

export function checkVersion(version: unknown): number {
  if (typeof version !== "number" || !Number.isInteger(version) || version < -1 || version > 0x7fffffff) {
    throw new InvalidArgumentError("version", `expected an integer ≥ -1, got ${String(version)}`);
  }
  return version;
}

/** Client-side path check (Java's PathUtils); BadArgumentsError like the server would answer. */
export function checkPath(path: unknown, sequential = false): string {
  if (typeof path !== "string")
    throw new InvalidArgumentError("path", `expected a string, got ${typeof path}`);
  const problem = pathProblem(sequential ? `${path}1` : path);
  if (problem !== null) throw new BadArgumentsError({ path, message: `invalid path: ${problem}` });
  return path;
}

export interface CreateSpec {
  op: number;
  flags: number;
  acl: readonly ACL[];
  ttl: number;
}

/** Picks the opcode for a create (PROTOCOL.md §4.2) and validates mode/TTL/ACL when `check` is set. */
export function createSpec(
  path: unknown,
  opts: CreateOptions | undefined,
  withStat: boolean,
  check: boolean,
  defaultAcl: readonly ACL[] = OPEN_ACL_UNSAFE,
): CreateSpec {
  const flags = opts?.mode ?? CreateMode.PERSISTENT;
  const acl = opts?.acl ?? defaultAcl;
  const ttl = opts?.ttl ?? -1;
  if (!Number.isInteger(flags))
    throw new InvalidArgumentError("mode", `expected a CreateMode, got ${String(flags)}`);
  if (!Array.isArray(acl)) throw new InvalidArgumentError("acl", "expected an array of ACL entries");
  if (check) {
    if (!isValidCreateMode(flags)) throw new BadArgumentsError({ message: `invalid create mode ${flags}` });
    checkPath(path, flags === 2 || flags === 3 || flags === 6);
    if (isTTL(flags) && !(ttl > 0 && ttl <= MAX_TTL)) {
      throw new BadArgumentsError({ message: `ttl must be in (0, ${MAX_TTL}] for TTL modes, got ${ttl}` });
    }
    if (!isTTL(flags) && opts?.ttl !== undefined)
      throw new BadArgumentsError({ message: "ttl is only valid with a TTL mode" });
  }
  let op: number = withStat ? OpCode.create2 : OpCode.create;
  if (flags === CreateMode.CONTAINER) op = OpCode.createContainer;
  else if (
    flags === CreateMode.PERSISTENT_WITH_TTL ||
    flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL ||
    opts?.ttl !== undefined
  ) {
    op = OpCode.createTTL;
  }
  return { op, flags, acl, ttl };
}

export function writeCreate(w: JuteWriter, spec: CreateSpec, serverPath: string, data: Data): void {
  w.writeString(serverPath);
  writeData(w, data);
  writeACL(w, spec.acl);
  w.writeInt(spec.flags);
  if (spec.op === OpCode.createTTL) w.writeLongNumber(spec.ttl);
}

/** Per-call settings of `call`. */
export interface CallSettings<T> {
  /** Turns an error code into a value (e.g. NONODE → null for exists); undefined = reject. */
  onError?: (err: number) => { value: T } | undefined;
  /** ms until OperationTimeoutError; undefined = the client's requestTimeout, 0 = none. */
  timeout?: number | undefined;
}

/** Validates a per-call `timeout` option (ms, 0 = no limit). */
export function checkTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 0 || timeout > 0x7fffffff)
    throw new InvalidArgumentError(
      "timeout",
      `expected an integer number of ms ≥ 0, got ${typeof timeout === "number" ? timeout : typeof timeout}`,
    );
  return timeout;
}

/**
 * One request as a packet. A class rather than an object literal of closures: the methods live on
 * the prototype, so a request allocates one object besides its promise.
 */
class Call<T> implements Packet {
  xid = 0;
  resolve: (v: T) => void = ignoreBody;
  reject: (e: Error) => void = ignoreBody;

  constructor(
    readonly op: number,
    private readonly path: string | undefined,
    readonly encode: (w: JuteWriter) => void,
    private readonly decode: (r: JuteReader) => T,
    private readonly onError: ((err: number) => { value: T } | undefined) | undefined,
  ) {}

  reply(err: number, r: JuteReader): void {
    if (err === 0) return this.resolve(this.decode(r));
    const alt = this.onError?.(err);
    if (alt !== undefined) this.resolve(alt.value);
    else this.reject(createError(err, this.path));
  }

  fail(e: ZooKeeperError): void {
    this.reject(e);
  }
}

/** Sends one request; resolves with `decode(reply)`, or `onError(code)` when it returns a value. */
export function call<T>(
  session: Session,
  op: number,
  path: string | undefined,
  encode: (w: JuteWriter) => void,
  decode: (r: JuteReader) => T,
  settings?: CallSettings<T>,
): Promise<T> {
  const c = new Call<T>(op, path, encode, decode, settings?.onError);
  const promise = new Promise<T>((resolve, reject) => {
    c.resolve = resolve;
    c.reject = reject;
  });
  session.submit(c, settings?.timeout);
  return promise;
}

export const ignoreBody = (): void => undefined;

export function toBuffer(v: Uint8Array | string): Buffer {
  return typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
}
