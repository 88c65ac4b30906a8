/** What the session sends: one request, settled by its reply or a failure; and its deadline wrapper. */
import type { JuteReader, JuteWriter } from "../protocol/index.js";
import { OperationTimeoutError, type ZooKeeperError } from "./errors.js";

/** One request: encodes its body, then settles from its reply or a failure. */
export interface Packet {
  readonly op: number;
  xid: number;
  encode(w: JuteWriter): void;
  /**
   * `r` is positioned at the reply body; only read it when err === 0 (PROTOCOL.md §3.1). May throw on
   * bad bytes.
   */
  reply(err: number, r: JuteReader): void;
  fail(err: ZooKeeperError): void;
}

/**
 * Fails `inner` with OperationTimeoutError after `ms`; `unqueue` drops it if it still waits for a
 * connection. One already sent stays in the FIFO, so its late reply is consumed in order, then ignored.
 * The deadline is enforced from setImmediate, after one more I/O poll: a timer that fires late because
 * the process was blocked must not fail a request whose reply is already waiting in the socket.
 */
export function withDeadline(
  inner: Packet,
  ms: number,
  option: string,
  unqueue: (wrapped: Packet) => void,
): Packet {
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  const wrapped: Packet = {
    op: inner.op,
    xid: 0,
    encode: (w) => inner.encode(w),
    reply: (err, r) => {
      if (settle()) inner.reply(err, r);
    },
    fail: (e) => {
      if (settle()) inner.fail(e);
    },
  };
  const expire = (): void => {
    if (!settle()) return;
    unqueue(wrapped);
    inner.fail(new OperationTimeoutError({ message: `no reply within ${option} (${ms} ms)` }));
  };
  const timer = setTimeout(() => setImmediate(expire), ms);
  return wrapped;
}
