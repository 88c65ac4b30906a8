/**
 * SASL DIGEST-MD5 (RFC 2831) as ZooKeeper uses it, both sides, pure (node:crypto only, no I/O).
 *
 * ZooKeeper tunnels SASL in sasl (102) requests: GetSASLRequest `buffer token` answered by
 * SetSASLResponse `buffer token`. For DIGEST-MD5 the client opens with an empty token, the server
 * answers with a challenge (`digest-challenge`), the client sends its `digest-response`, and the
 * server answers with `rspauth=…`, which the client checks. The server is created by Apache with
 * protocol "zookeeper" and server name "zk-sasl-md5", so that is the realm it offers and the
 * digest-uri it expects; the authenticated id becomes the ACL id `sasl:<username>`.
 *
 * Only qop=auth (no integrity or confidentiality layer) is supported, as in ZooKeeper.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const ZK_SASL_PROTOCOL = "zookeeper";
export const ZK_SASL_SERVER_NAME = "zk-sasl-md5";
export const ZK_DIGEST_URI = `${ZK_SASL_PROTOCOL}/${ZK_SASL_SERVER_NAME}`;

/** A malformed or unacceptable DIGEST-MD5 message. */
export class SaslDigestError extends Error {
  override readonly name = "SaslDigestError";
}

/** The fields of a server's digest-challenge that matter for qop=auth. */
export interface DigestChallenge {
  /** Realms offered (may be empty: the client then uses none or its own). */
  realms: string[];
  nonce: string;
  /** qop options; "auth" when the server sent none. */
  qop: string[];
  /** True when the server sent charset=utf-8. */
  utf8: boolean;
  algorithm: string;
}

/** The fields of a client's digest-response. */
export interface DigestResponse {
  username: string;
  realm: string;
  nonce: string;
  cnonce: string;
  /** Nonce count, 8 hex digits ("00000001" on a first authentication). */
  nc: string;
  qop: string;
  digestUri: string;
  /** 32 lowercase hex digits. */
  response: string;
  authzid?: string;
  utf8: boolean;
}

/** Splits `a="b",c=d, ,e="f\"g"` into pairs (keys lowercased); quoted values are unescaped. */
export function parseDirectives(token: Buffer | string): Array<[string, string]> {
  const s = typeof token === "string" ? token : token.toString("utf8");
  const out: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && /[ \t\r\n]/.test(s.charAt(i))) i++;
  };
  while (i < s.length) {
    skipSpace();
    if (s[i] === ",") {
      i++;
      continue;
    }
    if (i >= s.length) break;
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new SaslDigestError(`directive without '=' at offset ${i}`);
    const key = s.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9-]+$/.test(key)) throw new SaslDigestError(`bad directive name "${key}"`);
    i = eq + 1;
    skipSpace();
    let value = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new SaslDigestError(`unterminated quoted value of ${key}`);
        const c = s.charAt(i++);
        if (c === '"') break;
        if (c === "\\" && i < s.length) value += s.charAt(i++);
        else value += c;
      }
    } else {
      const end = s.indexOf(",", i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    out.push([key, value]);
    skipSpace();
    if (i < s.length && s[i] !== ",") throw new SaslDigestError(`expected ',' after ${key} at offset ${i}`);
  }
  return out;
}

/** One value per name (realm excepted); a repeated directive is an error, as RFC 2831 says. */
function single(pairs: Array<[string, string]>, what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of pairs) {
    if (k === "realm" && what === "challenge") continue;
    if (m.has(k)) throw new SaslDigestError(`${what} repeats ${k}`);
    m.set(k, v);
  }
  return m;
}

function required(m: Map<string, string>, key: string, what: string): string {
  const v = m.get(key);
  if (v === undefined || v === "") throw new SaslDigestError(`${what} has no ${key}`);
  return v;
}

export function parseChallenge(token: Buffer | string): DigestChallenge {
  const pairs = parseDirectives(token);
  const m = single(pairs, "challenge");
  const algorithm = required(m, "algorithm", "challenge");
  if (algorithm.toLowerCase() !== "md5-sess")
    throw new SaslDigestError(`challenge algorithm ${algorithm} (expected md5-sess)`);
  const qop = (m.get("qop") ?? "auth").split(",").map((q) => q.trim().toLowerCase());
  return {
    realms: pairs.filter(([k]) => k === "realm").map(([, v]) => v),
    nonce: required(m, "nonce", "challenge"),
    qop,
    utf8: m.get("charset")?.toLowerCase() === "utf-8",
    algorithm,
  };
}

export function parseResponse(token: Buffer | string): DigestResponse {
  const m = single(parseDirectives(token), "response");
  const response = required(m, "response", "response").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(response)) throw new SaslDigestError("response is not 32 hex digits");
  const nc = m.get("nc") ?? "00000001";
  if (!/^[0-9a-fA-F]{8}$/.test(nc)) throw new SaslDigestError(`bad nc "${nc}"`);
  const authzid = m.get("authzid");
  return {
    username: required(m, "username", "response"),
    realm: m.get("realm") ?? "",
    nonce: required(m, "nonce", "response"),
    cnonce: required(m, "cnonce", "response"),
    nc,
    qop: (m.get("qop") ?? "auth").toLowerCase(),
    digestUri: required(m, "digest-uri", "response"),
    response,
    ...(authzid !== undefined && authzid !== "" ? { authzid } : {}),
    utf8: m.get("charset")?.toLowerCase() === "utf-8",
  };
}

/** RFC 2831 §2.1.2.1: with charset=utf-8, text that fits ISO 8859-1 is still hashed as 8859-1. */
function textBytes(s: string, utf8: boolean): Buffer {
  if (utf8) for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, "utf8");
  return Buffer.from(s, "latin1");
}

const md5 = (...parts: Array<Buffer | string>): Buffer => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b: Buffer): string => b.toString("hex");

/** Everything both `response` and `rspauth` are computed from (RFC 2831 §2.1.2.1). */
export interface DigestParams {
  username: string;
  realm: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  digestUri: string;
  authzid?: string;
  utf8: boolean;
}

/**
 * The response-value: `HEX(KD(HEX(H(A1)), nonce:nc:cnonce:qop:HEX(H(A2))))` with
 * A2 = "AUTHENTICATE:" digest-uri for the client's response, and A2 = ":" digest-uri for the
 * server's rspauth (`forRspauth`).
 */
export function responseValue(p: DigestParams, forRspauth = false): string {
  const secret = md5(
    textBytes(p.username, p.utf8),
    ":",
    textBytes(p.realm, p.utf8),
    ":",
    textBytes(p.password, p.utf8),
  );
  const a1 = md5(
    secret,
    `:${p.nonce}:${p.cnonce}`,
    p.authzid !== undefined ? Buffer.concat([Buffer.from(":"), textBytes(p.authzid, p.utf8)]) : "",
  );
  const a2 = md5(`${forRspauth ? "" : "AUTHENTICATE"}:${p.digestUri}`);
  return hex(md5(`${hex(a1)}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${hex(a2)}`));
}

function quote(v: string): string {
  return `"${v.replace(/(["\\])/g, "\\$1")}"`;
}

/** A fresh nonce or cnonce: 16 random bytes, base64 (no quotes or commas). */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

export interface ClientStep {
  /** The digest-response token to send. */
  token: Buffer;
  /** The rspauth value the server must answer with. */
  expectedRspauth: string;
}

/** Client side: answer a challenge. `digestUri` defaults to ZooKeeper's "zookeeper/zk-sasl-md5". */
export function respondToChallenge(
  challenge: DigestChallenge,
  creds: { username: string; password: string; authzid?: string },
  opts: { digestUri?: string; cnonce?: string } = {},
): ClientStep {
  if (!challenge.qop.includes("auth"))
    throw new SaslDigestError(`server offers qop ${challenge.qop.join(",")}; only auth is supported`);
  const params: DigestParams = {
    username: creds.username,
    realm: challenge.realms[0] ?? "",
    password: creds.password,
    nonce: challenge.nonce,
    cnonce: opts.cnonce ?? newNonce(),
    nc: "00000001",
    qop: "auth",
    digestUri: opts.digestUri ?? ZK_DIGEST_URI,
    ...(creds.authzid !== undefined ? { authzid: creds.authzid } : {}),
    utf8: challenge.utf8,
  };
  const fields = [
    ...(params.utf8 ? ["charset=utf-8"] : []),
    `username=${quote(params.username)}`,
    ...(challenge.realms.length > 0 ? [`realm=${quote(params.realm)}`] : []),
    `nonce=${quote(params.nonce)}`,
    `nc=${params.nc}`,
    `cnonce=${quote(params.cnonce)}`,
    `digest-uri=${quote(params.digestUri)}`,
    "maxbuf=65536",
    `response=${responseValue(params)}`,
    "qop=auth",
    ...(params.authzid !== undefined ? [`authzid=${quote(params.authzid)}`] : []),
  ];
  return { token: Buffer.from(fields.join(","), "utf8"), expectedRspauth: responseValue(params, true) };
}

/** Client side: true when the server's final token is `rspauth=<expected>`. */
export function verifyRspauth(token: Buffer | string, expected: string): boolean {
  let pairs: Array<[string, string]>;
  try {
    pairs = parseDirectives(token);
  } catch {
    return false;
  }
  const got = pairs.find(([k]) => k === "rspauth")?.[1].toLowerCase() ?? "";
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

/** Server side: a challenge offering `realm` (ZooKeeper's is "zk-sasl-md5"), qop=auth, utf-8. */
export function buildChallenge(
  realm = ZK_SASL_SERVER_NAME,
  nonce = newNonce(),
): { token: Buffer; nonce: string } {
  const text = `realm=${quote(realm)},nonce=${quote(nonce)},qop="auth",charset=utf-8,algorithm=md5-sess`;
  return { token: Buffer.from(text, "utf8"), nonce };
}

export type CheckResult =
  { ok: true; rspauth: Buffer; authorizationId: string } | { ok: false; reason: string };

/**
 * Server side: check a parsed response against the nonce we sent, our realm, the digest-uri we
 * expect, and the user's password (`null` for an unknown user, which fails the same way). On
 * success returns the `rspauth=…` token to send and the authorization id (authzid or username).
 */
export function checkResponse(
  resp: DigestResponse,
  expect: { nonce: string; realm: string; password: string | null; digestUri?: string },
): CheckResult {
  if (resp.nonce !== expect.nonce) return { ok: false, reason: "nonce does not match the challenge" };
  if (resp.realm !== expect.realm) return { ok: false, reason: `realm "${resp.realm}" is not ours` };
  if (resp.qop !== "auth") return { ok: false, reason: `qop ${resp.qop} is not supported` };
  if (resp.nc !== "00000001") return { ok: false, reason: `unexpected nonce count ${resp.nc}` };
  const uri = expect.digestUri ?? ZK_DIGEST_URI;
  if (resp.digestUri !== uri)
    return { ok: false, reason: `digest-uri "${resp.digestUri}" (expected "${uri}")` };
  if (expect.password === null) return { ok: false, reason: `unknown user ${resp.username}` };
  const params: DigestParams = { ...resp, password: expect.password };
  const want = responseValue(params);
  if (!timingSafeEqual(Buffer.from(want), Buffer.from(resp.response)))
    return { ok: false, reason: `wrong password for ${resp.username}` };
  return {
    ok: true,
    rspauth: Buffer.from(`rspauth=${responseValue(params, true)}`, "utf8"),
    authorizationId: resp.authzid ?? resp.username,
  };
}
