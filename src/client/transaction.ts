/**
 * Transactions (multi, PROTOCOL.md §4.3): a builder of create/delete/setData/check whose
 * `commit()` applies all or nothing. A failure rejects with the first failing op's typed error, carrying `opIndex` and the
 * per-op `results` (0 before it, its code, RUNTIMEINCONSISTENCY after).
 */
import {
  OpCode,
  readMultiResult,
  readStat,
  type JuteReader,
  type JuteWriter,
  type MultiResult,
  type ACL,
} from "../protocol/index.js";
import { createError, InvalidArgumentError } from "./errors.js";
import { stripPath } from "./connect-string.js";
import {
  call,
  checkData,
  checkPath,
  checkTimeout,
  checkVersion,
  createSpec,
  writeCreate,
  writeData,
  type CreateSpec,
} from "./requests.js";
import type { Session } from "./session.js";
import type { CallOptions, CreateOptions, Data, OpResult } from "./types.js";

/** One op, kept as data and encoded when the transaction is sent (no closure per op). */
class TxOp {
  constructor(
    readonly type: number,
    /** Client-visible, for errors. */
    readonly path: string,
    private readonly serverPath: string,
    private readonly data: Data,
    /** delete, check, setData */
    private readonly version: number,
    /** create */
    private readonly spec: CreateSpec | null,
  ) {}

  encode(w: JuteWriter): void {
    if (this.spec !== null) return writeCreate(w, this.spec, this.serverPath, this.data);
    w.writeString(this.serverPath);
    if (this.type === OpCode.setData) writeData(w, this.data);
    w.writeInt(this.version);
  }
}

/** What a Transaction needs from its client. */
export interface TransactionContext {
  session: Session;
  chroot: string | null;
  checkArguments: boolean;
  /** ACL of creates that name none (the client's `defaultAcl`). */
  defaultAcl: readonly ACL[];
  toServer(path: string): string;
}

export class Transaction {
  private readonly ops: TxOp[] = [];
  private problem: Error | null = null;

  constructor(private readonly ctx: TransactionContext) {}

  get size(): number {
    return this.ops.length;
  }

  create(path: string, data?: Data, opts?: CreateOptions): this {
    if (this.problem !== null) return this;
    try {
      if (opts?.protected === true)
        throw new InvalidArgumentError(
          "protected",
          "not supported in a transaction (its ops are all or nothing)",
        );
      const spec = createSpec(path, opts, false, this.ctx.checkArguments, this.ctx.defaultAcl);
      const d = checkData(data);
      this.ops.push(new TxOp(spec.op, path, this.ctx.toServer(path), d, -1, spec));
    } catch (err) {
      this.setProblem(err);
    }
    return this;
  }

  delete(path: string, version = -1): this {
    return this.pathVersion(OpCode.delete, path, version, null);
  }

  /** Fails the transaction unless `path` exists at data `version` (-1: any). */
  check(path: string, version = -1): this {
    return this.pathVersion(OpCode.check, path, version, null);
  }

  setData(path: string, data: Data, version = -1): this {
    return this.pathVersion(OpCode.setData, path, version, data);
  }

  /** Applies every op atomically; resolves with one result per op, in order. */
  async commit(opts?: CallOptions): Promise<OpResult[]> {
    if (this.problem !== null) throw this.problem;
    const timeout = checkTimeout(opts?.timeout);
    if (this.ops.length === 0) return [];
    const ops = this.ops.slice();
    const results = await call(
      this.ctx.session,
      OpCode.multi,
      undefined,
      (w) => {
        for (const op of ops) {
          w.writeInt(op.type).writeBool(false).writeInt(-1);
          op.encode(w);
        }
        w.writeInt(-1).writeBool(true).writeInt(-1);
      },
      (r: JuteReader) => this.readResults(r, ops),
      { timeout },
    );
    for (let i = 0; i < results.length; i++) {
      const res = results[i];
      if (res?.type === "error" && res.error !== null) {
        res.error.opIndex = i;
        res.error.results = results;
        throw res.error;
      }
    }
    return results;
  }

  /** The reply, decoded straight into results (no intermediate records for the common op types). */
  private readResults(r: JuteReader, ops: readonly TxOp[]): OpResult[] {
    const out: OpResult[] = [];
    for (;;) {
      const type = r.readInt();
      const done = r.readBool();
      const err = r.readInt();
      if (done) return out;
      switch (type) {
        case OpCode.check:
          out.push({ type: "check" });
          break;
        case OpCode.delete:
          out.push({ type: "delete" });
          break;
        case OpCode.setData:
          out.push({ type: "setData", stat: readStat(r) });
          break;
        case OpCode.create:
          out.push({ type: "create", path: stripPath(this.ctx.chroot, r.readString() ?? ""), stat: null });
          break;
        default:
          out.push(this.otherResult(readMultiResult(r, type, err), ops[out.length]?.path));
      }
    }
  }

  private otherResult(res: MultiResult, path: string | undefined): OpResult {
    switch (res.type) {
      case OpCode.create:
        return { type: "create", path: stripPath(this.ctx.chroot, res.path), stat: null };
      case OpCode.create2:
        return { type: "create", path: stripPath(this.ctx.chroot, res.path), stat: res.stat };
      case OpCode.delete:
        return { type: "delete" };
      case OpCode.check:
        return { type: "check" };
      case OpCode.setData:
        return { type: "setData", stat: res.stat };
      case OpCode.error:
        return { type: "error", code: res.err, error: res.err === 0 ? null : createError(res.err, path) };
      default:
        return { type: "error", code: -1, error: createError(-1) };
    }
  }

  /** delete, check, setData (`data` only for setData); argument errors surface from commit(). */
  private pathVersion(type: number, path: string, version: number, data: Data): this {
    if (this.problem !== null) return this;
    try {
      const v = checkVersion(version);
      const d = type === OpCode.setData ? checkData(data) : null;
      this.ops.push(new TxOp(type, path, this.path(path), d, v, null));
    } catch (err) {
      this.setProblem(err);
    }
    return this;
  }

  private path(path: string): string {
    if (this.ctx.checkArguments) checkPath(path);
    return this.ctx.toServer(path);
  }

  /** Argument errors surface from commit(), so a builder chain never throws midway. */
  private setProblem(err: unknown): void {
    this.problem = err instanceof Error ? err : new Error(String(err));
  }
}
