/**
 * The x509 identity string: subjects rendered as Java's X500Principal.getName() renders them. The
 * expected strings were printed by Java 17 (CertificateFactory → getSubjectX500Principal().getName())
 * for certificates made with these same openssl commands.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DerError, subjectDn } from "../../src/server/x509-name.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "overseer-x509-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cert(subject: string, ...extra: string[]): Buffer {
  const out = join(dir, "c.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(dir, "k.pem"),
      "-out",
      out,
      "-days",
      "1",
      "-subj",
      subject,
      ...extra,
    ],
    { stdio: "ignore" },
  );
  return new X509Certificate(readFileSync(out)).raw;
}

const CASES: [string, string[], string][] = [
  ["/O=overseer/CN=test-client", [], "CN=test-client,O=overseer"],
  [
    '/C=US/ST=Some State/O=a,b/CN= lead#"q"\\\\ /emailAddress=a@b.c/serialNumber=123/DC=example/UID=u1',
    [],
    'UID=u1,DC=example,2.5.4.5=#1303313233,1.2.840.113549.1.9.1=#16056140622e63,CN=\\ lead\\#\\"q\\"\\\\\\ ,O=a\\,b,ST=Some State,C=US',
  ],
  ["/O=overseer/CN=a+OU=b/CN=#hash", ["-multivalue-rdn"], "CN=\\#hash,CN=a+OU=b,O=overseer"],
  ["/O=Überörg/CN=日本 ", ["-utf8"], "CN=日本\\ ,O=Überörg"],
];

test("subject DNs come out as Java's X500Principal.getName() (RFC 2253) prints them", () => {
  for (const [subject, extra, java] of CASES) assert.equal(subjectDn(cert(subject, ...extra)), java, subject);
});

test("bytes that are not a certificate throw DerError", () => {
  assert.throws(() => subjectDn(Buffer.from("not a certificate")), DerError);
  assert.throws(() => subjectDn(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30])), DerError);
});
