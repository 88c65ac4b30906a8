/** zoo.cfg parsing and `overseer server --config`. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfig } from "../../src/server/index.js";
import { CLI_MAIN } from "../harness/cli.js";

describe("parseConfig", () => {
  test("maps every supported key onto ServerOptions", () => {
    const { options, warnings } = parseConfig(
      [
        "# a comment",
        "tickTime=2000",
        "dataDir=/var/lib/zk",
        "dataLogDir = /var/log/zk ",
        "clientPort=2182",
        "clientPortAddress=0.0.0.0",
        "maxClientCnxns=10",
        "minSessionTimeout=-1",
        "maxSessionTimeout=30000",
        "snapCount=5000",
        "autopurge.snapRetainCount=5",
        "4lw.commands.whitelist=srvr, ruok",
        "forceSync=no",
        "jute.maxbuffer=0x200000",
        "extendedTypesEnabled=false",
        "",
      ].join("\n"),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(options, {
      tickTime: 2000,
      dataDir: "/var/lib/zk",
      dataLogDir: "/var/log/zk",
      port: 2182,
      host: "0.0.0.0",
      maxClientCnxns: 10,
      minSessionTimeout: undefined,
      maxSessionTimeout: 30000,
      snapCount: 5000,
      snapRetainCount: 5,
      fourLetterWords: "srvr, ruok",
      forceSync: false,
      maxBuffer: 0x200000,
      extendedTypesEnabled: false,
    });
  });

  test("unknown keys and ensemble-only keys warn", () => {
    const { options, warnings } = parseConfig("initLimit=5\nserver.1=a:2888:3888\ntickTim=3\n");
    assert.deepEqual(options, {});
    assert.equal(warnings.length, 3);
    assert.match(warnings[2] ?? "", /line 3: unknown key tickTim/);
  });

  for (const [line, key] of [
    ["tickTime=fast", "tickTime"],
    ["clientPort=70000", "clientPort"],
    ["forceSync=maybe", "forceSync"],
    ["maxSessionTimeout=0", "maxSessionTimeout"],
    ["snapCount=1", "snapCount"],
    ["not a key value line", "not a key value line"],
  ] as const) {
    test(`a bad value stops parsing and names the key: ${line}`, () => {
      assert.throws(
        () => parseConfig(`# x\n${line}\n`),
        (err: unknown) =>
          err instanceof ConfigError && err.key === key && err.line === 2 && err.message.includes(key),
      );
    });
  }
});

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("listening")) p.kill("SIGTERM");
  });
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(p, "exit")) as [number | null];
  return { code, stdout, stderr };
}

describe("overseer server --config", () => {
  test("a bad value exits 2 with a message naming the key and the value; a good file starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "overseer-cfg-"));
    try {
      const bad = join(dir, "bad.cfg");
      writeFileSync(bad, "tickTime=2000\nsnapCount=lots\n");
      const r = await runCli(["server", "--config", bad]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /snapCount: "lots"/);
      const good = join(dir, "zoo.cfg");
      writeFileSync(good, `tickTime=100\nclientPort=0\ndataDir=${join(dir, "data")}\nbogus=1\n`);
      const ok = await runCli(["server", "--config", good]);
      assert.match(ok.stdout, /listening on 127\.0\.0\.1:\d+ \(data dir /);
      assert.match(ok.stderr, /unknown key bogus/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
