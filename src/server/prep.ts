/**
 * Request checks that turn a write into a Txn or an error code, in Apache's order (PROTOCOL.md
 * §7.2, §7.3, §7.13). Codes are returned, not thrown: NODEEXISTS and BADVERSION are everyday results
 * and exceptions would cost a stack capture each.
 */
import {
  ErrorCode,
  MAX_TTL,
  OpCode,
  Perms,
  isEphemeral,
  isSequential,
  isTTL,
  isValidCreateMode,
  pathProblem,
  type Id,
  type MultiOp,
  type records,
} from "../protocol/index.js";
import { checkAcl, fixupAcl } from "./acl.js";
import { NodeKind, SPECIAL_PATHS, type DataTree, type NodeView } from "./tree.js";
import type { Txn } from "./txn.js";

export interface PrepContext {
  readonly sessionId: bigint;
  readonly ids: readonly Id[];
  readonly extendedTypesEnabled: boolean;
}

/** Node lookup as prep sees it: the tree, or the tree plus a multi's earlier (unapplied) ops. */
export interface PrepView {
  get(path: string): NodeView | undefined;
}

type CreateTxn = Extract<Txn, { type: "create" }>;

/** `String.format("%010d", n)` for a signed int32 counter (PROTOCOL.md §7.4: it wraps to negative). */
export function sequenceSuffix(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, "0")}` : String(n).padStart(10, "0");
}

function parentPathOf(path: string, lastSlash: number): string {
  return lastSlash === 0 ? "/" : path.slice(0, lastSlash);
}

export function prepCreate(
  view: PrepView,
  ctx: PrepContext,
  req: records.CreateRequest,
  ttl: number,
): CreateTxn | number {
  const flags = req.flags;
  if (!isValidCreateMode(flags)) return ErrorCode.BADARGUMENTS;
  if (isTTL(flags)) {
    if (!ctx.extendedTypesEnabled) return ErrorCode.UNIMPLEMENTED;
    if (ttl <= 0 || ttl > MAX_TTL) return ErrorCode.BADARGUMENTS;
  } else if (ttl >= 0) return ErrorCode.BADARGUMENTS;
  const path = req.path;
  const lastSlash = path.lastIndexOf("/");
  if (lastSlash < 0 || path.includes("\u0000")) return ErrorCode.BADARGUMENTS;
  const acl = fixupAcl(req.acl, ctx.ids);
  if (acl === null) return ErrorCode.INVALIDACL;
  const parentPath = parentPathOf(path, lastSlash);
  const parent = view.get(parentPath);
  if (parent === undefined) return ErrorCode.NONODE;
  if (!checkAcl(parent.acl, Perms.CREATE, ctx.ids)) return ErrorCode.NOAUTH;
  const finalPath = isSequential(flags) ? path + sequenceSuffix(parent.cversion) : path;
  if (pathProblem(finalPath) !== null) return ErrorCode.BADARGUMENTS;
  if (view.get(finalPath) !== undefined) return ErrorCode.NODEEXISTS;
  if (parent.kind === NodeKind.ephemeral) return ErrorCode.NOCHILDRENFOREPHEMERALS;
  const kind = isEphemeral(flags)
    ? NodeKind.ephemeral
    : flags === 4
      ? NodeKind.container
      : isTTL(flags)
        ? NodeKind.ttl
        : NodeKind.normal;
  return {
    type: "create",
    path: finalPath,
    data: req.data,
    acl,
    kind,
    owner: kind === NodeKind.ephemeral ? ctx.sessionId : 0n,
    ttl: kind === NodeKind.ttl ? ttl : 0,
    parentCversion: (parent.cversion + 1) | 0,
  };
}

function versionOk(expected: number, actual: number): boolean {
  return expected === -1 || expected === actual;
}

export function prepDelete(view: PrepView, ctx: PrepContext, req: records.PathVersionRequest): Txn | number {
  const path = req.path;
  const lastSlash = path.lastIndexOf("/");
  if (lastSlash < 0 || path.includes("\u0000") || SPECIAL_PATHS.has(path)) return ErrorCode.BADARGUMENTS;
  const parent = view.get(parentPathOf(path, lastSlash));
  if (parent === undefined) return ErrorCode.NONODE;
  if (!checkAcl(parent.acl, Perms.DELETE, ctx.ids)) return ErrorCode.NOAUTH;
  const node = view.get(path);
  if (node === undefined) return ErrorCode.NONODE;
  if (!versionOk(req.version, node.version)) return ErrorCode.BADVERSION;
  if (node.childCount > 0) return ErrorCode.NOTEMPTY;
  return { type: "delete", path };
}

export function prepSetData(view: PrepView, ctx: PrepContext, req: records.SetDataRequest): Txn | number {
  if (pathProblem(req.path) !== null) return ErrorCode.BADARGUMENTS;
  const node = view.get(req.path);
  if (node === undefined) return ErrorCode.NONODE;
  if (!checkAcl(node.acl, Perms.WRITE, ctx.ids)) return ErrorCode.NOAUTH;
  if (!versionOk(req.version, node.version)) return ErrorCode.BADVERSION;
  return { type: "setData", path: req.path, data: req.data, version: (node.version + 1) | 0 };
}

export function prepSetACL(view: PrepView, ctx: PrepContext, req: records.SetACLRequest): Txn | number {
  if (pathProblem(req.path) !== null) return ErrorCode.BADARGUMENTS;
  const acl = fixupAcl(req.acl, ctx.ids);
  if (acl === null) return ErrorCode.INVALIDACL;
  const node = view.get(req.path);
  if (node === undefined) return ErrorCode.NONODE;
  if (!checkAcl(node.acl, Perms.ADMIN, ctx.ids)) return ErrorCode.NOAUTH;
  if (!versionOk(req.version, node.aversion)) return ErrorCode.BADVERSION;
  return { type: "setACL", path: req.path, acl, aversion: (node.aversion + 1) | 0 };
}

export function prepCheck(view: PrepView, ctx: PrepContext, req: records.PathVersionRequest): Txn | number {
  if (pathProblem(req.path) !== null) return ErrorCode.BADARGUMENTS;
  const node = view.get(req.path);
  if (node === undefined) return ErrorCode.NONODE;
  if (!checkAcl(node.acl, Perms.READ, ctx.ids)) return ErrorCode.NOAUTH;
  if (!versionOk(req.version, node.version)) return ErrorCode.BADVERSION;
  return { type: "check", path: req.path };
}

/** A multi's private, mutable copy of a node's view: later ops of the same multi change it in place. */
interface OverlayView {
  version: number;
  aversion: number;
  cversion: number;
  childCount: number;
  kind: NodeView["kind"];
  acl: NodeView["acl"];
}

function copyView(v: NodeView): OverlayView {
  return {
    version: v.version,
    aversion: v.aversion,
    cversion: v.cversion,
    childCount: v.childCount,
    kind: v.kind,
    acl: v.acl,
  };
}

/** The tree plus the effects of a multi's earlier ops, so later ops are checked against them. */
class MultiView implements PrepView {
  private readonly changes = new Map<string, OverlayView | null>();
  constructor(private readonly tree: DataTree) {}

  get(path: string): NodeView | undefined {
    const c = this.changes.get(path);
    if (c === null) return undefined;
    return c ?? this.tree.get(path);
  }

  /** The overlay copy of an existing node (made on first change), undefined if it does not exist. */
  private mutable(path: string): OverlayView | undefined {
    const c = this.changes.get(path);
    if (c === null) return undefined;
    if (c !== undefined) return c;
    const node = this.tree.get(path);
    if (node === undefined) return undefined;
    const copy = copyView(node);
    this.changes.set(path, copy);
    return copy;
  }

  record(txn: Txn): void {
    switch (txn.type) {
      case "create": {
        const parent = this.mutable(parentPathOf(txn.path, txn.path.lastIndexOf("/")));
        if (parent !== undefined) {
          parent.cversion = txn.parentCversion;
          parent.childCount++;
        }
        this.changes.set(txn.path, {
          version: 0,
          aversion: 0,
          cversion: 0,
          childCount: 0,
          kind: txn.kind,
          acl: txn.acl,
        });
        break;
      }
      case "delete": {
        const parent = this.mutable(parentPathOf(txn.path, txn.path.lastIndexOf("/")));
        if (parent !== undefined) parent.childCount--;
        this.changes.set(txn.path, null);
        break;
      }
      case "setData": {
        const node = this.mutable(txn.path);
        if (node !== undefined) node.version = txn.version;
        break;
      }
      default:
        break;
    }
  }
}

function prepMultiOp(view: PrepView, ctx: PrepContext, op: MultiOp): Txn | number {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return prepCreate(view, ctx, op.req, -1);
    case OpCode.createTTL:
      return prepCreate(view, ctx, op.req, op.req.ttl);
    case OpCode.delete:
      return prepDelete(view, ctx, op.req);
    case OpCode.setData:
      return prepSetData(view, ctx, op.req);
    case OpCode.check:
      return prepCheck(view, ctx, op.req);
    default:
      // Read ops never reach here: readMultiRequest rejects them in a write multi.
      return ErrorCode.BADARGUMENTS;
  }
}

/**
 * All-or-nothing: a multi txn, or the per-op error codes of the atomic failure encoding
 * (0 before the failing op, its code, −2 RUNTIMEINCONSISTENCY after it).
 */
export function prepMulti(tree: DataTree, ctx: PrepContext, ops: readonly MultiOp[]): Txn | number[] {
  const view = new MultiView(tree);
  const txns: Txn[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === undefined) break;
    const r = prepMultiOp(view, ctx, op);
    if (typeof r === "number") {
      return ops.map((_, j) => (j < i ? ErrorCode.OK : j === i ? r : ErrorCode.RUNTIMEINCONSISTENCY));
    }
    view.record(r);
    txns.push(r);
  }
  return { type: "multi", txns };
}
