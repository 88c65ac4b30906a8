/**
 * SASL DIGEST-MD5 on a new connection (what Apache's JAAS DigestLoginModule serves), run right after
 * the handshake and before anything else is sent on it (auth packets, SetWatches, queued requests),
 * as Java's client does. Tokens travel in sasl (102) requests with ordinary xids: an empty token,
 * the server's challenge, our response, the server's rspauth (checked, so a server that does not
 * know the password cannot pass for one that does). The computation is in protocol/sasl-digest.ts.
 */
import { ErrorCode, JuteReader, OpCode, records } from "../protocol/index.js";
import {
  SaslDigestError,
  parseChallenge,
  respondToChallenge,
  verifyRspauth,
} from "../protocol/sasl-digest.js";
import type { Connection } from "./connection.js";
import {
  AuthFailedError,
  ClientClosedError,
  ConnectionLossError,
  InvalidArgumentError,
  OperationTimeoutError,
  type ZooKeeperError,
} from "./errors.js";

export interface SaslOptions {
  /** Only "DIGEST-MD5" (the default). */
  mechanism?: "DIGEST-MD5";
  /** User name as in the server's JAAS `Server` section (`user_<name>="<password>"`). */
  username: string;
  password: string;
}

export interface ResolvedSasl {
  readonly mechanism: "DIGEST-MD5";
  readonly username: string;
  readonly password: string;
}

/** Validates and copies the `sasl` option; null when SASL is off. */
export function parseSaslOptions(v: unknown): ResolvedSasl | null {
  if (v === undefined) return null;
  if (v === null || typeof v !== "object") throw new InvalidArgumentError("sasl", "expected an object");
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!["mechanism", "username", "password"].includes(key))
      throw new InvalidArgumentError(`sasl.${key}`, "unknown option");
  }
  if (o.mechanism !== undefined && o.mechanism !== "DIGEST-MD5")
    throw new InvalidArgumentError(
      "sasl.mechanism",
      `only DIGEST-MD5 is supported, got ${JSON.stringify(o.mechanism)}`,
    );
  if (typeof o.username !== "string" || o.username === "")
    throw new InvalidArgumentError("sasl.username", "expected a non-empty string");
  if (typeof o.password !== "string") throw new InvalidArgumentError("sasl.password", "expected a string");
  return Object.freeze({ mechanism: "DIGEST-MD5", username: o.username, password: o.password });
}

/**
 * Authenticates `conn`. Resolves when the server accepted us (and proved it knows the password);
 * rejects with AuthFailedError (refused credentials, no SASL on the server, bad rspauth: not worth
 * retrying), OperationTimeoutError naming SASL (the exchange stopped halfway) or ConnectionLossError
 * (the connection closed mid-exchange). The connection is destroyed on failure.
 */
export function saslAuthenticate(
  conn: Connection,
  sasl: ResolvedSasl,
  nextXid: () => number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const who = `SASL ${sasl.mechanism} authentication of "${sasl.username}" with ${conn.server}`;
  return new Promise<void>((resolve, reject) => {
    let stage: "challenge" | "rspauth" = "challenge";
    let expectedRspauth = "";
    let xid = 0;
    let done = false;
    const onAbort = (): void => finish(new ClientClosedError());
    const finish = (err: ZooKeeperError | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (err === null) return resolve();
      conn.destroy(err);
      reject(err);
    };
    const timer = setTimeout(
      () =>
        finish(
          new OperationTimeoutError({
            message: `${who} stopped halfway: no ${stage === "challenge" ? "challenge" : "final reply (rspauth)"} within ${timeoutMs} ms`,
          }),
        ),
      timeoutMs,
    );
    const send = (token: Buffer): void => {
      xid = nextXid();
      const off = conn.beginFrame();
      conn.out.writeInt(xid).writeInt(OpCode.sasl);
      records.SaslToken.write(conn.out, { token });
      conn.endFrame(off);
    };
    const step = (err: number, token: Buffer | null): void => {
      if (err === ErrorCode.AUTHFAILED || err === ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH)
        throw new AuthFailedError({
          message: `${who} failed: the server refused the credentials (wrong user name or password?)`,
        });
      if (err !== 0)
        throw new AuthFailedError({ message: `${who} failed: the server answered error ${err}` });
      if (stage === "challenge") {
        if (token === null || token.length === 0)
          throw new AuthFailedError({
            message: `${who} failed: the server sent no challenge (is SASL enabled on it, with a JAAS Server section?)`,
          });
        const reply = respondToChallenge(parseChallenge(token), sasl);
        expectedRspauth = reply.expectedRspauth;
        stage = "rspauth";
        send(reply.token);
        return;
      }
      if (token === null || !verifyRspauth(token, expectedRspauth))
        throw new AuthFailedError({
          message: `${who} failed: the server's rspauth does not match (it does not know our password)`,
        });
      finish(null);
    };
    conn.attach({
      onFrame: (buf, start, end) => {
        if (done) return;
        try {
          if (end - start < 16) throw new Error(`reply of ${end - start} bytes is shorter than its header`);
          const got = buf.readInt32BE(start);
          if (got !== xid) throw new Error(`unexpected reply xid ${got} during SASL (expected ${xid})`);
          const err = buf.readInt32BE(start + 12);
          const token = err === 0 ? records.SaslToken.read(new JuteReader(buf, start + 16, end)).token : null;
          step(err, token);
        } catch (e) {
          if (e instanceof AuthFailedError) return finish(e);
          const message = `${who} failed: ${e instanceof SaslDigestError ? "bad DIGEST-MD5 message: " : ""}${(e as Error).message}`;
          finish(new AuthFailedError({ message, cause: e }));
        }
      },
      onOversized: (_head, length) => {
        finish(new AuthFailedError({ message: `${who} failed: a reply of ${length} bytes` }));
      },
      onClose: (reason) => {
        finish(
          new ConnectionLossError({
            message: `connection closed during ${who} (${stage} stage): ${reason.message}`,
            cause: reason,
          }),
        );
      },
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort);
    send(Buffer.alloc(0));
  });
}
