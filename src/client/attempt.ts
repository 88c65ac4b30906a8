/**
 * One connection attempt to one host: TCP or TLS, the handshake, then SASL when configured. Also
 * decides which failures are worth another attempt: a refused SASL login never is (Java's client
 * stops at AuthFailed too), and a TLS failure is not once every host failed that way before any
 * session existed (a wrong CA or certificate will not fix itself).
 */
import { FEATURE_EVENT_DATA, type ConnectRequest, type ConnectResponse } from "../protocol/index.js";
import { Connection, HandshakeClosedError } from "./connection.js";
import { formatHost, type HostPort } from "./connect-string.js";
import { AuthFailedError, type ZooKeeperError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { saslAuthenticate } from "./sasl.js";
import { plaintextToTlsPort, speaksTls, TlsError } from "./tls.js";

const PROBE_TIMEOUT_MS = 1000;

export async function attempt(
  hp: HostPort,
  req: ConnectRequest,
  timeoutMs: number,
  opts: ResolvedOptions,
  signal: AbortSignal,
  nextXid: () => number,
): Promise<{ conn: Connection; response: ConnectResponse }> {
  let opened: { conn: Connection; response: ConnectResponse };
  try {
    opened = await Connection.open(
      hp,
      req,
      timeoutMs,
      opts.maxFrameSize,
      signal,
      opts.tls,
      opts.eventData ? FEATURE_EVENT_DATA : 0,
    );
  } catch (err) {
    // A plaintext hello to a TLS port is closed without a word (Apache's Netty, the embedded server),
    // as by a server that is not serving yet: one TLS handshake tells them apart.
    if (
      opts.tls === null &&
      err instanceof HandshakeClosedError &&
      (await speaksTls(hp, PROBE_TIMEOUT_MS, signal))
    )
      throw plaintextToTlsPort(formatHost(hp));
    throw err;
  }
  // An expired session (timeOut 0) is the caller's business; there is nothing to authenticate.
  if (opts.sasl !== null && opened.response.timeOut > 0) {
    const limit = Math.max(100, Math.floor((opened.response.timeOut * 2) / 3));
    await saslAuthenticate(opened.conn, opts.sasl, nextXid, limit, signal);
  }
  return opened;
}

/** Counts failures that cannot be retried away; says when to give up and with which error. */
export class FatalFailures {
  private tlsStreak = 0;

  constructor(private readonly hostCount: number) {}

  /** The error to end the session with, or null to keep trying. `hadSession`: a session existed. */
  onFailure(err: unknown, hadSession: boolean): ZooKeeperError | null {
    if (err instanceof AuthFailedError) return err;
    if (!(err instanceof TlsError)) {
      this.tlsStreak = 0;
      return null;
    }
    this.tlsStreak++;
    return !hadSession && this.tlsStreak >= this.hostCount ? err : null;
  }

  onSuccess(): void {
    this.tlsStreak = 0;
  }
}
