/**
 * ACL schemes and checks (PROTOCOL.md §7.9): world, auth, digest, ip, sasl, x509, plus super.
 * Identities belong to a connection: every connection starts with `ip:<address>`; a verified TLS
 * client certificate adds `x509:<subject DN>`, each successful addauth a digest id, a SASL login
 * `sasl:<user>`.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { ACL, Id } from "../protocol/index.js";

export const SUPER_ID: Id = Object.freeze({ scheme: "super", id: "" });

/** digest ids are `user:base64(sha1("user:password"))`. */
export function digestOf(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(":"));
  return `${user}:${createHash("sha1").update(userPassword, "utf8").digest("base64")}`;
}

/** IPv4-mapped IPv6 addresses are shown and matched as plain IPv4, as clients expect. */
export function normalizeAddress(addr: string | undefined): string {
  if (addr === undefined) return "unknown";
  return addr.startsWith("::ffff:") && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}

function ipv4ToInt(a: string): number {
  const p = a.split(".");
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** `pattern` is an address or `address/bits`; IPv6 is matched exactly (no prefix masks). */
function ipMatches(pattern: string, addr: string): boolean {
  const slash = pattern.indexOf("/");
  const base = slash < 0 ? pattern : pattern.slice(0, slash);
  if (isIP(base) !== 4 || isIP(addr) !== 4) return slash < 0 && base === addr;
  const bits = slash < 0 ? 32 : Number(pattern.slice(slash + 1));
  if (bits === 0) return true;
  const mask = bits >= 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return (ipv4ToInt(base) & mask) >>> 0 === (ipv4ToInt(addr) & mask) >>> 0;
}

function validIp(id: string): boolean {
  const slash = id.indexOf("/");
  const base = slash < 0 ? id : id.slice(0, slash);
  const v = isIP(base);
  if (v === 0) return false;
  if (slash < 0) return true;
  const bits = id.slice(slash + 1);
  return /^\d+$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128);
}

function validDigest(id: string): boolean {
  const i = id.indexOf(":");
  return i >= 0 && id.indexOf(":", i + 1) < 0 && i < id.length - 1;
}

/** Apache validates sasl ids as Kerberos names: a name with '@' must read `primary[/instance]@realm`. */
function validSasl(id: string): boolean {
  return !id.includes("@") || /^[^/@]*(\/[^/@]*)?@[^/@]*$/.test(id);
}

/** A DN as X500Principal would parse it: empty, or `type=value…` (type a keyword or a dotted OID). */
function validX509(id: string): boolean {
  return id === "" || /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)\s*=/.test(id);
}

/** Schemes whose ids are "authenticated" ones, the ids an `auth` ACL entry expands to. */
const AUTHENTICATED = new Set(["digest", "sasl", "x509"]);

/** Does `ids` hold the ACL entry's identity? */
function idMatches(aclId: Id, ids: readonly Id[]): boolean {
  if (aclId.scheme === "world") return aclId.id === "anyone";
  for (const id of ids) {
    if (id.scheme !== aclId.scheme) continue;
    if (aclId.scheme === "ip" ? ipMatches(aclId.id, id.id) : id.id === aclId.id) return true;
    // Apache's SASL provider: a SASL user named "super" matches every sasl entry.
    if (aclId.scheme === "sasl" && id.id === "super") return true;
  }
  return false;
}

/** Passes if any entry grants any bit of `perm` to one of `ids`; an empty ACL list is not checked. */
export function checkAcl(acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  if (acl.length === 0) return true;
  for (const id of ids) if (id.scheme === "super") return true;
  for (const entry of acl) {
    if ((entry.perms & perm) !== 0 && idMatches(entry.id, ids)) return true;
  }
  return false;
}

/**
 * Validate a client-supplied ACL list and expand `auth` entries to the caller's authenticated
 * (digest, sasl, x509) ids, dropping duplicates; null means INVALIDACL.
 */
export function fixupAcl(acl: readonly ACL[], ids: readonly Id[]): ACL[] | null {
  if (acl.length === 0) return null;
  const first = acl[0];
  // The usual list, world:anyone alone, is valid as it is (what the general loop below returns too).
  if (acl.length === 1 && first !== undefined && first.id.scheme === "world" && first.id.id === "anyone")
    return [first];
  const out: ACL[] = [];
  const seen = new Set<string>();
  const push = (a: ACL): void => {
    const key = `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  };
  for (const a of acl) {
    switch (a.id.scheme) {
      case "world":
        if (a.id.id !== "anyone") return null;
        push(a);
        break;
      case "digest":
        if (!validDigest(a.id.id)) return null;
        push(a);
        break;
      case "ip":
        if (!validIp(a.id.id)) return null;
        push(a);
        break;
      case "sasl":
        if (!validSasl(a.id.id)) return null;
        push(a);
        break;
      case "x509":
        if (!validX509(a.id.id)) return null;
        push(a);
        break;
      case "auth": {
        // ip ids are not "authenticated" identities in Apache, so they do not expand.
        let any = false;
        for (const id of ids) {
          if (!AUTHENTICATED.has(id.scheme)) continue;
          any = true;
          push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
        }
        if (!any) return null;
        break;
      }
      default:
        return null;
    }
  }
  return out;
}

/** getACL without ADMIN: digest hashes are masked (`user:x`), as Apache does since 3.8. */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) =>
    a.id.scheme === "digest"
      ? { perms: a.perms, id: { scheme: "digest", id: `${a.id.id.split(":")[0] ?? ""}:x` } }
      : a,
  );
}
