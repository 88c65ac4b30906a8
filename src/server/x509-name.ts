/**
 * The `x509:` identity of a client certificate: its subject DN rendered as Java's
 * `X500Principal.getName()` (RFC 2253) renders it, because that string is what Apache ZooKeeper's
 * X509AuthenticationProvider stores and what users put in ACLs. RDNs are listed last-first; only the
 * RFC 2253 keywords are named, any other attribute is `<oid>=#<hex of its DER value>`.
 *
 * A small DER walker reads the subject out of the certificate (Certificate → tbsCertificate →
 * subject); Node's own `subject` string uses OpenSSL's names and escaping, not Java's.
 */

interface Tlv {
  readonly tag: number;
  /** Where the whole element starts (tag byte) and where its contents start and end. */
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

export class DerError extends Error {
  override readonly name = "DerError";
}

function tlv(buf: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new DerError("truncated DER element");
  const tag = buf[at] ?? 0;
  let len = buf[at + 1] ?? 0;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new DerError("unsupported DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[body + i] ?? 0);
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new DerError("DER element overruns its parent");
  return { tag, start: at, body, end };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end;) {
    const c = tlv(buf, at, parent.end);
    out.push(c);
    at = c.end;
  }
  return out;
}

function oidString(bytes: Buffer): string {
  const first = bytes[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** The attribute types Java names in RFC 2253 output. */
const KEYWORDS = new Map<string, string>([
  ["2.5.4.3", "CN"],
  ["2.5.4.6", "C"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  ["2.5.4.9", "STREET"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["0.9.2342.19200300.100.1.1", "UID"],
]);

/** DER string types Java decodes to text in RFC 2253 output; anything else is shown as hex. */
function decodeString(tag: number, bytes: Buffer): string | null {
  switch (tag) {
    case 0x0c: // UTF8String
      return bytes.toString("utf8");
    case 0x13: // PrintableString
    case 0x14: // T61String
    case 0x16: // IA5String
    case 0x1b: // GeneralString
      return bytes.toString("latin1");
    case 0x1e: // BMPString (UTF-16BE)
      return Buffer.from(bytes).swap16().toString("utf16le");
    default:
      return null;
  }
}

const ESCAPEES = ',=+<>#;"\\';

function escapeValue(value: string): string {
  let s = "";
  for (const c of value) s += c === "\u0000" ? "\\00" : ESCAPEES.includes(c) ? `\\${c}` : c;
  // Leading and trailing spaces (and CRs) are escaped one by one.
  const chars = [...s];
  let lead = 0;
  while (lead < chars.length && (chars[lead] === " " || chars[lead] === "\r")) lead++;
  let trail = chars.length - 1;
  while (trail >= 0 && (chars[trail] === " " || chars[trail] === "\r")) trail--;
  return chars.map((c, i) => (i < lead || i > trail ? `\\${c}` : c)).join("");
}

function ava(buf: Buffer, seq: Tlv): string {
  const [type, value] = children(buf, seq);
  if (type === undefined || value === undefined || type.tag !== 0x06)
    throw new DerError("bad AttributeTypeAndValue");
  const oid = oidString(buf.subarray(type.body, type.end));
  const keyword = KEYWORDS.get(oid);
  const text = keyword === undefined ? null : decodeString(value.tag, buf.subarray(value.body, value.end));
  if (keyword === undefined || text === null)
    return `${keyword ?? oid}=#${buf.subarray(value.start, value.end).toString("hex")}`;
  return `${keyword}=${escapeValue(text)}`;
}

/** RFC 2253 rendering of a DER-encoded Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
function nameToRfc2253(buf: Buffer, name: Tlv): string {
  const rdns = children(buf, name).map((set) =>
    children(buf, set)
      .map((a) => ava(buf, a))
      .join("+"),
  );
  return rdns.reverse().join(",");
}

/** The subject DN of a DER certificate, as Java's X500Principal.getName() gives it. */
export function subjectDn(der: Buffer): string {
  const cert = tlv(der, 0, der.length);
  const [tbs] = children(der, cert);
  if (tbs === undefined) throw new DerError("certificate without tbsCertificate");
  const fields = children(der, tbs);
  // [0] version is optional; then serialNumber, signature, issuer, validity, subject.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject === undefined || subject.tag !== 0x30) throw new DerError("certificate without a subject");
  return nameToRfc2253(der, subject);
}
