/**
 * Test certificates made with `openssl` at test time (EC P-256, fast): a CA, a server certificate
 * for 127.0.0.1 / localhost, a client certificate, an expired server certificate, and a second CA
 * with a server and a client certificate of its own (trusted by nobody). PEM files in a temp dir.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { trackTempDir } from "./java.js";

const run = promisify(execFile);

export interface CertPair {
  /** PEM certificate file. */
  certPath: string;
  /** PEM private key file (PKCS#8). */
  keyPath: string;
  /** Key then certificate in one file (Apache's PEM keystore). */
  keyStorePath: string;
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  /** The CA's certificate file (Apache's PEM trust store) and contents. */
  caPath: string;
  ca: string;
  server: CertPair;
  client: CertPair;
  /** The client certificate's subject as Java prints it (RFC 2253), i.e. its x509 ACL id. */
  clientDn: string;
  /** Signed by the CA, but its validity ended before it began. */
  expiredServer: CertPair;
  otherCaPath: string;
  otherCa: string;
  /** Signed by the other CA. */
  otherServer: CertPair;
  otherClient: CertPair;
  remove(): void;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<{ path: string; key: string }> {
  const path = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await run("openssl", [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    key,
    "-out",
    path,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
  return { path, key };
}

async function makeCert(
  dir: string,
  name: string,
  ca: { path: string; key: string },
  subject: string,
  days: number,
  serial: number,
): Promise<CertPair> {
  const keyPath = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n" +
      "keyUsage=digitalSignature,keyEncipherment\n",
  );
  await run("openssl", ["req", ...EC, "-keyout", keyPath, "-out", csr, "-subj", subject]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.path,
    "-CAkey",
    ca.key,
    "-set_serial",
    String(serial),
    "-days",
    String(days),
    "-extfile",
    ext,
    "-out",
    certPath,
  ]);
  const cert = readFileSync(certPath, "utf8");
  const key = readFileSync(keyPath, "utf8");
  const keyStorePath = join(dir, `${name}-keystore.pem`);
  writeFileSync(keyStorePath, key + cert);
  return { certPath, keyPath, keyStorePath, cert, key };
}

/** Makes the whole set (a few hundred ms); `remove()` deletes the directory. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-certs-"));
  const untrack = trackTempDir(dir);
  const [ca, other] = await Promise.all([makeCa(dir, "ca"), makeCa(dir, "other-ca")]);
  const [server, client, expiredServer, otherServer, otherClient] = await Promise.all([
    makeCert(dir, "server", ca, "/O=overseer/CN=localhost", 2, 2),
    makeCert(dir, "client", ca, "/O=overseer/CN=test-client", 2, 3),
    makeCert(dir, "expired", ca, "/O=overseer/CN=localhost", -1, 4),
    makeCert(dir, "other-server", other, "/O=overseer/CN=localhost", 2, 5),
    makeCert(dir, "other-client", other, "/O=overseer/CN=test-client", 2, 6),
  ]);
  return {
    dir,
    caPath: ca.path,
    ca: readFileSync(ca.path, "utf8"),
    server,
    client,
    clientDn: "CN=test-client,O=overseer",
    expiredServer,
    otherCaPath: other.path,
    otherCa: readFileSync(other.path, "utf8"),
    otherServer,
    otherClient,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      untrack();
    },
  };
}
