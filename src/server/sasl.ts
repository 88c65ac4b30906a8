/**
 * The server side of SASL DIGEST-MD5, one exchange per connection, as Apache's SaslServer runs it:
 * an empty first token gets the challenge (realm "zk-sasl-md5"), the digest-response is checked
 * against the JAAS user's password and answered with `rspauth=…`, and the connection then holds
 * `sasl:<username>`. The DIGEST-MD5 computation itself is in protocol/sasl-digest.ts.
 */
import {
  buildChallenge,
  checkResponse,
  parseResponse,
  SaslDigestError,
  ZK_SASL_SERVER_NAME,
} from "../protocol/sasl-digest.js";

export type SaslStep =
  /** Send `token`; when `user` is set the exchange is complete and authenticated. */
  | { readonly kind: "continue"; readonly token: Buffer; readonly user?: string }
  /** Authentication failed (also: any token after the exchange ended): answer with an error and close. */
  | { readonly kind: "failed"; readonly reason: string };

/** Longest digest-response Java's DigestMD5Server accepts. */
const MAX_RESPONSE_LENGTH = 4096;

class Exchange {
  private nonce: string | null = null;
  done = false;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  step(token: Buffer): SaslStep {
    if (this.done) return { kind: "failed", reason: "DIGEST-MD5 authentication already completed" };
    if (this.nonce === null) {
      // Whatever the first token holds, Apache answers with the challenge (checked on the wire).
      const c = buildChallenge(ZK_SASL_SERVER_NAME);
      this.nonce = c.nonce;
      return { kind: "continue", token: c.token };
    }
    this.done = true;
    if (token.length > MAX_RESPONSE_LENGTH) return { kind: "failed", reason: "digest-response too long" };
    let resp;
    try {
      resp = parseResponse(token);
    } catch (err) {
      if (err instanceof SaslDigestError) return { kind: "failed", reason: err.message };
      throw err;
    }
    const r = checkResponse(resp, {
      nonce: this.nonce,
      realm: ZK_SASL_SERVER_NAME,
      password: this.users.get(resp.username) ?? null,
    });
    if (!r.ok) return { kind: "failed", reason: r.reason };
    // Apache's callback handler authorizes the authentication id (the user name), whatever authzid says.
    return { kind: "continue", token: r.rspauth, user: resp.username };
  }
}

export class SaslAuthenticator {
  /** Exchanges in progress or done, per connection; a closed connection's entry goes with it. */
  private readonly exchanges = new WeakMap<object, Exchange>();

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  step(conn: object, token: Buffer): SaslStep {
    let ex = this.exchanges.get(conn);
    if (ex === undefined) {
      ex = new Exchange(this.users);
      this.exchanges.set(conn, ex);
    }
    return ex.step(token);
  }
}
