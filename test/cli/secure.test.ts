/**
 * The CLI over TLS + SASL against a real Apache ZooKeeper 3.8 (secureClientPort, users bob and eve):
 * `overseer master`, `worker` and `submit` run end to end as bob with `--acl creator` under their own
 * `--root`, flags and OVERSEER_* environment variables both work, and eve's reads and writes under that
 * root fail with NoAuth. Bad flags name their cause: a wrong password, an unreadable password file.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  skipUnlessApacheZooKeeper,
  startApacheZooKeeper,
  type ApacheZooKeeper,
} from "../harness/apache-zk.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";
import { startCli, type CliProcess } from "./cluster.js";
import { runCli } from "./run-cli.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("overseer over TLS + SASL [apache standalone]", { skip: skipUnlessApacheZooKeeper() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-cli-secure-"));
  let certs: TestCerts | undefined;
  let zk: ApacheZooKeeper | undefined;
  let master: CliProcess | undefined;
  let worker: CliProcess | undefined;
  let bob: string[] = [];
  let eve: string[] = [];
  const pw = (name: string, password: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `${password}\n`);
    return file;
  };

  before(async () => {
    certs = await makeTestCerts();
    zk = await startApacheZooKeeper({
      secure: { tls: { certs, clientAuth: "want" }, saslUsers: { bob: "bob-pw", eve: "eve-pw" } },
    });
    const tls = ["--connect", zk.secureConnectString ?? "", "--tls-ca", certs.caPath];
    bob = [...tls, "--sasl-user", "bob", "--sasl-password-file", pw("bob", "bob-pw"), "--root", "/sec"];
    eve = [...tls, "--sasl-user", "eve", "--sasl-password-file", pw("eve", "eve-pw")];
    const role = ["--session-timeout", "2000", "--acl", "creator", ...bob];
    master = startCli(["master", "--id", "m1", ...role]);
    worker = startCli(["worker", "--handlers", fixture("handlers.mjs"), "--id", "w1", ...role]);
    await master.waitFor((l) => l["event"] === "leader", "leadership");
    await worker.waitFor((l) => l["event"] === "ready", "ready");
  });
  after(async () => {
    await worker?.stop();
    await master?.stop();
    await zk?.stop();
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test("submit --wait runs a task end to end; the environment variables work as the flags do", async () => {
    const ok = await runCli(["submit", "echo", '{"a":1}', "--wait", "--acl", "creator", ...bob]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '{"a":1}');
    assert.ok(certs !== undefined && zk?.secureConnectString !== undefined);
    const viaEnv = await runCli(["status", "--root", "/sec"], {
      OVERSEER_CONNECT: zk.secureConnectString,
      OVERSEER_TLS_CA: certs.caPath,
      OVERSEER_TLS_CERT: certs.client.certPath,
      OVERSEER_TLS_KEY: certs.client.keyPath,
      OVERSEER_SASL_USER: "bob",
      OVERSEER_SASL_PASSWORD_FILE: join(dir, "bob"),
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /m1/);
  });

  test("another user's reads and writes under the root fail with NoAuth", async () => {
    const ls = await runCli(["zk", "ls", "/sec", ...eve]);
    assert.notEqual(ls.code, 0);
    assert.match(ls.stderr, /NOAUTH|NoAuth|not authorized/i);
    const create = await runCli(["zk", "create", "/sec/intruder", ...eve]);
    assert.notEqual(create.code, 0);
    assert.match(create.stderr, /NOAUTH|NoAuth|not authorized/i);
    const submit = await runCli(["submit", "echo", "x", ...eve, "--root", "/sec"]);
    assert.notEqual(submit.code, 0);
  });

  test("a wrong password exits 1 naming SASL; an unreadable password file exits 2 naming the file", async () => {
    const wrong = await runCli(["zk", "ls", "/", ...eve.slice(0, -1), pw("wrong", "nope")]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /SASL DIGEST-MD5 authentication of "eve".*refused the credentials/);
    const missing = await runCli(["zk", "ls", "/", ...eve.slice(0, -1), join(dir, "no-such-file")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --sasl-password-file file ".*no-such-file": ENOENT/);
  });
});
