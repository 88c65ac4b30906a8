/**
 * multiRead (PROTOCOL.md §4.3): several getData/getChildren in one request, each answered on its own. The
 * reply is decoded straight into the public results (no intermediate MultiResult records).
 */
import {
  ErrorCode,
  OpCode,
  readMultiResult,
  readStat,
  readStringVector,
  type JuteReader,
  type JuteWriter,
} from "../protocol/index.js";
import { createError } from "./errors.js";
import type { ReadOp, ReadOpResult } from "./types.js";

/** Writes the request body: one MultiHeader + {path, watch=false} per op, then the end header. */
export function writeReadOps(w: JuteWriter, ops: readonly ReadOp[], serverPaths: readonly string[]): void {
  for (let i = 0; i < ops.length; i++) {
    const type = ops[i]?.type === "getData" ? OpCode.getData : OpCode.getChildren;
    w.writeInt(type)
      .writeBool(false)
      .writeInt(-1)
      .writeString(serverPaths[i] ?? "")
      .writeBool(false);
  }
  w.writeInt(-1).writeBool(true).writeInt(-1);
}

/** Reads the reply body; `ops` names the paths of failed ops. */
export function readReadResults(r: JuteReader, ops: readonly ReadOp[]): ReadOpResult[] {
  const out: ReadOpResult[] = [];
  for (;;) {
    const type = r.readInt();
    const done = r.readBool();
    const err = r.readInt();
    if (done) return out;
    if (type === OpCode.getData) {
      const data = r.readBuffer();
      out.push({ type: "getData", data, stat: readStat(r) });
    } else if (type === OpCode.getChildren) {
      out.push({ type: "getChildren", children: readStringVector(r) });
    } else {
      const res = readMultiResult(r, type, err);
      const code = res.type === OpCode.error ? res.err : ErrorCode.MARSHALLINGERROR;
      out.push({ type: "error", error: createError(code, ops[out.length]?.path) });
    }
  }
}
