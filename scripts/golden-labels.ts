/*
 * Just enough jute decoding to name captured frames. This is deliberately not the protocol codec (src/protocol
 * is tested against these fixtures); it reads headers, the first path and the few fields that make a label.
 */

// prettier-ignore
export const OP_NAMES: Readonly<Record<number, string>> = {
  0: "notification", 1: "create", 2: "delete", 3: "exists", 4: "getData", 5: "setData", 6: "getACL",
  7: "setACL", 8: "getChildren", 9: "sync", 11: "ping", 12: "getChildren2", 13: "check", 14: "multi",
  15: "create2", 16: "reconfig", 17: "checkWatches", 18: "removeWatches", 19: "createContainer",
  20: "deleteContainer", 21: "createTTL", 22: "multiRead", 100: "auth", 101: "setWatches", 102: "sasl",
  103: "getEphemerals", 104: "getAllChildrenNumber", 105: "setWatches2", 106: "addWatch", 107: "whoAmI",
  [-10]: "createSession", [-11]: "closeSession", [-1]: "error",
};

// prettier-ignore
export const ERROR_NAMES: Readonly<Record<number, string>> = {
  0: "OK", [-1]: "SYSTEMERROR", [-2]: "RUNTIMEINCONSISTENCY", [-3]: "DATAINCONSISTENCY", [-4]: "CONNECTIONLOSS",
  [-5]: "MARSHALLINGERROR", [-6]: "UNIMPLEMENTED", [-7]: "OPERATIONTIMEOUT", [-8]: "BADARGUMENTS",
  [-12]: "UNKNOWNSESSION", [-13]: "NEWCONFIGNOQUORUM", [-14]: "RECONFIGINPROGRESS", [-100]: "APIERROR",
  [-101]: "NONODE", [-102]: "NOAUTH", [-103]: "BADVERSION", [-108]: "NOCHILDRENFOREPHEMERALS",
  [-110]: "NODEEXISTS", [-111]: "NOTEMPTY", [-112]: "SESSIONEXPIRED", [-113]: "INVALIDCALLBACK",
  [-114]: "INVALIDACL", [-115]: "AUTHFAILED", [-118]: "SESSIONMOVED", [-119]: "NOTREADONLY",
  [-120]: "EPHEMERALONLOCALSESSION", [-121]: "NOWATCHER", [-122]: "REQUESTTIMEOUT", [-123]: "RECONFIGDISABLED",
  [-124]: "SESSIONCLOSEDREQUIRESASLAUTH", [-125]: "QUOTAEXCEEDED", [-127]: "THROTTLEDOP",
};

// prettier-ignore
export const EVENT_NAMES: Readonly<Record<number, string>> = {
  1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged", 4: "NodeChildrenChanged",
};

/** Request types whose record starts with the path. */
const PATH_FIRST = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 17, 18, 19, 21, 103, 104, 106]);
const STAT_BYTES = 68;

export const opName = (type: number): string => OP_NAMES[type] ?? `op${type}`;
export const errName = (err: number): string => ERROR_NAMES[err] ?? `err${err}`;
export const hexLong = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

class Reader {
  private at = 4; // skip the frame length
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.at;
  }
  int(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  long(): bigint {
    const v = this.buf.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }
  bool(): boolean {
    return this.buf.readUInt8(this.at++) !== 0;
  }
  bytes(): Buffer | null {
    const len = this.int();
    if (len < 0) return null;
    const v = this.buf.subarray(this.at, this.at + len);
    this.at += len;
    return v;
  }
  string(): string | null {
    return this.bytes()?.toString("utf8") ?? null;
  }
  skip(n: number): void {
    this.at += n;
  }
}

/** What the index records about a frame, beyond file and direction. */
export interface FrameInfo {
  label: string;
  summary: string;
  xid?: number;
  opcode?: number;
  op?: string;
  zxid?: string;
  err?: number;
  path?: string;
  sessionId?: string;
  multiOps?: { type: number; op: string; path?: string }[];
  multiResults?: { type: number; op: string; err: number }[];
}

export function describeConnectRequest(frame: Buffer): FrameInfo {
  const r = new Reader(frame);
  const protocolVersion = r.int();
  const lastZxidSeen = hexLong(r.long());
  const timeout = r.int();
  const sessionId = hexLong(r.long());
  r.bytes();
  const readOnly = r.remaining > 0 ? ` readOnly=${r.bool()}` : "";
  const resume = sessionId === "0x0" ? "new session" : "resume session";
  return {
    label: "connect",
    sessionId,
    summary:
      `ConnectRequest (${resume}): protocolVersion=${protocolVersion} lastZxidSeen=${lastZxidSeen} ` +
      `timeOut=${timeout} sessionId=${sessionId}${readOnly}`,
  };
}

export function describeConnectResponse(frame: Buffer): FrameInfo {
  const r = new Reader(frame);
  r.int();
  const timeout = r.int();
  const sessionId = hexLong(r.long());
  r.bytes();
  const readOnly = r.remaining > 0 ? ` readOnly=${r.bool()}` : "";
  return {
    label: "connect-response",
    sessionId,
    summary: `ConnectResponse: timeOut=${timeout} sessionId=${sessionId}${readOnly}`,
  };
}

export function describeRequest(frame: Buffer): FrameInfo {
  const r = new Reader(frame);
  const xid = r.int();
  const opcode = r.int();
  const op = opName(opcode);
  const info: FrameInfo = { label: op, xid, opcode, op, summary: `${op} request (xid ${xid})` };
  if (PATH_FIRST.has(opcode)) {
    info.path = r.string() ?? undefined;
    info.summary += ` path=${info.path}`;
  } else if (opcode === 100) {
    r.int();
    info.summary += ` scheme=${r.string()}`;
  } else if (opcode === 14 || opcode === 22) {
    info.multiOps = [];
    for (;;) {
      const type = r.int();
      const done = r.bool();
      r.int();
      if (done) break;
      const path = r.string() ?? undefined;
      info.multiOps.push({ type, op: opName(type), path });
      if (type === 2 || type === 13) r.int();
      else if (type === 5) {
        r.bytes();
        r.int();
      } else if (type === 1 || type === 15 || type === 19 || type === 21) {
        r.bytes();
        for (let n = r.int(); n > 0; n--) {
          r.int();
          r.string();
          r.string();
        }
        r.int();
        if (type === 21) r.long();
      } else if (type === 4 || type === 8) r.bool();
    }
    info.summary += `: ${info.multiOps.map((o) => `${o.op} ${o.path}`).join(", ")}`;
  }
  return info;
}

/** `requests` maps xid → opcode of requests seen on the same connection. */
export function describeReply(frame: Buffer, requests: ReadonlyMap<number, number>): FrameInfo {
  const r = new Reader(frame);
  const xid = r.int();
  const zxid = hexLong(r.long());
  const err = r.int();
  if (xid === -1) {
    const type = r.int();
    const state = r.int();
    const path = r.string() ?? undefined;
    const event = EVENT_NAMES[type] ?? `event${type}`;
    return {
      label: `notification-${event}`,
      xid,
      zxid,
      err,
      path,
      summary: `watch notification ${event} state=${state} path=${path} (zxid ${zxid})`,
    };
  }
  const opcode = xid === -2 ? 11 : xid === -4 ? 100 : requests.get(xid);
  const op = opcode === undefined ? "unknown" : opName(opcode);
  const info: FrameInfo = {
    label: `${op}-reply${err === 0 ? "" : `-${errName(err)}`}`,
    xid,
    opcode,
    op,
    zxid,
    err,
    summary: `${op} reply (xid ${xid}, zxid ${zxid}, err ${err} ${errName(err)})`,
  };
  if (err === 0 && (opcode === 14 || opcode === 22)) {
    info.multiResults = multiResults(r);
    const failed = info.multiResults.find((m) => m.err !== 0);
    if (failed !== undefined) info.label = `${op}-reply-failed-${errName(failed.err)}`;
    info.summary += `: ${info.multiResults.map((m) => `${m.op}(${errName(m.err)})`).join(", ")}`;
  }
  return info;
}

function multiResults(r: Reader): { type: number; op: string; err: number }[] {
  const results: { type: number; op: string; err: number }[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    let err = r.int();
    if (done) return results;
    if (type === -1) err = r.int();
    else if (type === 1) r.string();
    else if (type === 15) {
      r.string();
      r.skip(STAT_BYTES);
    } else if (type === 5) r.skip(STAT_BYTES);
    else if (type === 4) {
      r.bytes();
      r.skip(STAT_BYTES);
    } else if (type === 8) for (let n = r.int(); n > 0; n--) r.string();
    results.push({ type, op: opName(type), err });
  }
}
