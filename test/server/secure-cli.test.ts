/** `overseer server` with a TLS port, a JAAS file and -D properties, as a child process. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, OpCode, records } from "../../src/protocol/index.js";
import { parseChallenge, respondToChallenge } from "../../src/protocol/sasl-digest.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";
import { RawClient } from "./raw-client.js";
import { CLI_MAIN } from "../harness/cli.js";

let certs: TestCerts;
let jaas: string;
before(async () => {
  certs = await makeTestCerts();
  jaas = join(certs.dir, "jaas.conf");
  writeFileSync(
    jaas,
    'Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="pw"; };',
  );
});
after(() => certs.remove());

/** Runs the command until it exits, or until it prints "listening" and `whileUp` is done. */
async function serve(
  args: string[],
  whileUp: (plain: number, secure: number | null) => Promise<void> = async () => undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [CLI_MAIN, "server", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const failures: Error[] = [];
  let up = false;
  p.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    const m = /listening on 127\.0\.0\.1:(\d+)(?:, TLS on 127\.0\.0\.1:(\d+))?/.exec(stdout);
    if (m === null || up) return;
    up = true;
    whileUp(Number(m[1]), m[2] === undefined ? null : Number(m[2]))
      .catch((err: unknown) => failures.push(err instanceof Error ? err : new Error(String(err))))
      .finally(() => p.kill("SIGTERM"));
  });
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(p, "exit")) as [number | null];
  if (failures[0] !== undefined) throw failures[0];
  return { code, stdout, stderr };
}

describe("overseer server: TLS, JAAS and -D flags", () => {
  test("--secure-port/--tls-*/--jaas/-D start a TLS port with SASL users and enforce.auth", async () => {
    const r = await serve(
      [
        "--port",
        "0",
        "--secure-port",
        "0",
        "--tls-cert",
        certs.server.certPath,
        "--tls-key",
        certs.server.keyPath,
        "--tls-ca",
        certs.caPath,
        "--client-auth",
        "want",
        `-Djava.security.auth.login.config=${jaas}`,
        "-Dzookeeper.enforce.auth.enabled=true",
        "-D",
        "zookeeper.enforce.auth.schemes=sasl",
      ],
      async (_plain, secure) => {
        assert.ok(secure !== null);
        const c = await RawClient.openTls(secure, { ca: certs.ca, servername: "localhost" });
        await c.handshake({ timeout: 4000 });
        const first = await c.call(
          OpCode.sasl,
          records.SaslToken,
          { token: Buffer.alloc(0) },
          records.SaslToken,
        );
        const step = respondToChallenge(parseChallenge(first.body?.token ?? Buffer.alloc(0)), {
          username: "bob",
          password: "pw",
        });
        const last = await c.call(OpCode.sasl, records.SaslToken, { token: step.token }, records.SaslToken);
        assert.equal(last.err, 0);
        assert.equal((await c.exists("/")).err, 0);
        c.socket.destroy();
        const anon = await RawClient.openTls(secure, { ca: certs.ca, servername: "localhost" });
        await anon.handshake({ timeout: 4000 });
        assert.equal((await anon.exists("/")).err, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
        anon.socket.destroy();
      },
    );
    assert.match(r.stdout, /TLS on 127\.0\.0\.1:\d+/);
  });

  for (const [args, message] of [
    [["--tls-cert", "x.pem"], /needs --secure-port, --tls-cert and --tls-key/],
    [
      ["--secure-port", "0", "--tls-cert", "a", "--tls-key", "b", "--client-auth", "maybe"],
      /--client-auth must be/,
    ],
    [["-Dzookeeper.enforce.auth.enabled=true"], /enforceAuthSchemes/],
    [["-Dzookeeper.ssl.clientAuth=sometimes"], /-D invalid value for ssl\.clientAuth/],
    [["--jaas", "/nonexistent/jaas.conf"], /cannot read JAAS configuration/],
  ] as const) {
    test(`a bad security flag exits 2 naming it: ${args.join(" ")}`, async () => {
      const r = await serve(["--port", "0", ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});
