/**
 * The CLI over TLS + SASL against both secure servers (the embedded server's TLS listener and a real
 * Apache ZooKeeper 3.8 secureClientPort; users bob and eve): `overseer master`, `worker`, `submit` and
 * `dashboard` (its /api/overview) run end to end as bob with `--acl creator` under their own `--root`, flags and OVERSEER_*
 * environment variables both work, and eve's reads and writes under that root fail with NoAuth. Bad
 * flags name their cause: a wrong password, an unreadable password file.
 */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { forEachSecureServer } from "../harness/secure-servers.js";
import { startCli, type CliProcess } from "./cluster.js";
import { runCli } from "./run-cli.js";
import { CLI_MAIN } from "../harness/cli.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** `overseer dashboard --port 0 …`: resolves with its URL once it prints it, and a stop function. */
async function startDashboard(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [CLI_MAIN, "dashboard", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OVERSEER_LOG_LEVEL: "warn" },
  });
  const exited = once(proc, "exit");
  let out = "";
  let err = "";
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /overseer dashboard on (\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`dashboard exited: ${err.slice(-800)}`)));
    setTimeout(() => {
      proc.kill("SIGKILL");
      reject(
        new Error(`dashboard: no URL within 20 s; stdout: ${out.slice(-400)} stderr: ${err.slice(-800)}`),
      );
    }, 20_000).unref();
  });
  return {
    url,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

forEachSecureServer(
  "overseer over TLS + SASL",
  { clientAuth: "want", saslUsers: { bob: "bob-pw", eve: "eve-pw" } },
  (server) => {
    const dir = mkdtempSync(join(tmpdir(), "overseer-cli-secure-"));
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
      const { certs, secureConnectString } = server();
      const tls = ["--connect", secureConnectString, "--tls-ca", certs.caPath];
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
      rmSync(dir, { recursive: true, force: true });
    });

    test("submit --wait runs a task end to end; the environment variables work as the flags do", async () => {
      const ok = await runCli(["submit", "echo", '{"a":1}', "--wait", "--acl", "creator", ...bob]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), '{"a":1}');
      const { certs, secureConnectString } = server();
      const viaEnv = await runCli(["status", "--root", "/sec"], {
        OVERSEER_CONNECT: secureConnectString,
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

    test("the dashboard over TLS + SASL shows the master and worker under the root", async () => {
      const dash = await startDashboard(bob);
      try {
        const res = await fetch(new URL("/api/overview", dash.url));
        assert.equal(res.status, 200);
        const view = (await res.json()) as {
          root: string;
          master: { id: string } | null;
          workers: { id: string }[];
        };
        assert.equal(view.root, "/sec");
        assert.equal(view.master?.id, "m1");
        assert.deepEqual(
          view.workers.map((w) => w.id),
          ["w1"],
        );
      } finally {
        await dash.stop();
      }
    });
  },
);
