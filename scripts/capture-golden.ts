/**
 * Records golden wire fixtures: Apache zkCli talks to Apache ZooKeeper through a recording TCP proxy while this
 * script drives a scripted session. Every frame (4-byte length + body, both directions) is written as hex to
 * test/fixtures/golden/<seq>-<c2s|s2c>-<label>.hex and listed in test/fixtures/golden/index.json.
 *
 *   npx tsx scripts/capture-golden.ts
 *
 * Session ids, passwords, timestamps and zxids are whatever this run produced.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import { startTcpProxy, type ProxiedFrame } from "../test/harness/tcp-proxy.js";
import { openZkCli, type ZkCli } from "../test/harness/zkcli.js";
import {
  describeConnectRequest,
  describeConnectResponse,
  describeReply,
  describeRequest,
  type FrameInfo,
} from "./golden-labels.js";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "golden");
/** zkCli pings after ~2.3 s without sending anything when its session timeout is 10 s. */
const SESSION_TIMEOUT_MS = 10_000;

type Step = string | { name: string; action: (cli: ZkCli, ctx: StepContext) => Promise<void> };

interface StepContext {
  dropConnections(): void;
  frames: readonly ProxiedFrame[];
}

const waitForFrame = async (
  ctx: StepContext,
  match: (f: ProxiedFrame) => boolean,
  what: string,
): Promise<void> => {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(50)) {
    if (ctx.frames.some(match)) return;
  }
  throw new Error(`timed out waiting for ${what}`);
};

const isXid = (direction: string, xid: number) => (f: ProxiedFrame) =>
  f.direction === direction && f.bytes.length >= 8 && f.bytes.readInt32BE(4) === xid;
const isPing = (direction: string) => isXid(direction, -2);

const STEPS: Step[] = [
  'create /golden "hello"',
  'create -s -e /golden/seq- "x"',
  "get /golden",
  "get -s -w /golden",
  "stat /golden",
  "ls /golden",
  "ls -s /golden",
  'set /golden "v2"', // fires the data watch set by `get -w` (notification before the reply)
  "getAllChildrenNumber /golden",
  "getEphemerals /golden",
  "whoami",
  "getAcl /golden",
  "sync /golden",
  "addWatch -m PERSISTENT_RECURSIVE /golden",
  'create /golden/child "c"', // NodeCreated through the recursive watch
  "create -c /golden/container",
  "create -t 60000 /golden/ttl t",
  "delete /golden/nope", // NONODE
  'create /golden "dup"', // NODEEXISTS
  'set -v 99 /golden "bad"', // BADVERSION
  "stat /nope", // exists → NONODE
  "ls -w /golden", // child watch, re-registered after the reconnect below
  "stat -w /golden/later", // exist watch on a missing node
  {
    name: "drop the TCP connection; zkCli reconnects (session resume + SetWatches2)",
    action: async (cli, ctx) => {
      ctx.dropConnections();
      await cli.waitFor(/state:Disconnected type:None/);
      await cli.waitFor(/state:SyncConnected type:None/, 15_000);
      await cli.run("sync /golden"); // the SetWatches2 reply has arrived once this one has
    },
  },
  "create /goldacl",
  "create /goldacl/locked",
  "create /goldacl/locked/kid",
  "setAcl /goldacl/locked world:anyone:r",
  "deleteall /goldacl", // multi whose first delete fails with NOAUTH: the whole multi fails
  "deleteall /golden", // successful multi; NodeDeleted notifications through the recursive watch
  "removewatches /golden -a",
  {
    name: "zkCli: addauth digest alice:secret",
    action: async (cli, ctx) => {
      // addauth returns before the send thread writes the auth packet (xid -4): wait for both frames.
      await cli.run("addauth digest alice:secret");
      await waitForFrame(ctx, isXid("c2s", -4), "the auth request");
      await waitForFrame(ctx, isXid("s2c", -4), "the auth reply");
    },
  },
  "whoami",
  {
    name: "stay idle until zkCli pings",
    action: async (_cli, ctx) => {
      await waitForFrame(ctx, isPing("c2s"), "a ping request");
      await waitForFrame(ctx, isPing("s2c"), "a ping reply");
    },
  },
  "close",
];

interface IndexEntry extends Omit<FrameInfo, "label" | "summary"> {
  file: string;
  direction: "c2s" | "s2c";
  connection: number;
  /** Body length (the frame's length prefix). */
  length: number;
  step: string;
  description: string;
}

function label(frames: readonly ProxiedFrame[], requests: Map<number, Map<number, number>>): FrameInfo[] {
  const seenOnConnection = new Map<string, number>();
  return frames.map((f) => {
    const key = `${f.connection}:${f.direction}`;
    const nth = seenOnConnection.get(key) ?? 0;
    seenOnConnection.set(key, nth + 1);
    const xids = requests.get(f.connection) ?? new Map<number, number>();
    requests.set(f.connection, xids);
    if (nth === 0)
      return f.direction === "c2s" ? describeConnectRequest(f.bytes) : describeConnectResponse(f.bytes);
    if (f.direction === "c2s") {
      const info = describeRequest(f.bytes);
      if (info.xid !== undefined && info.opcode !== undefined) xids.set(info.xid, info.opcode);
      return info;
    }
    return describeReply(f.bytes, xids);
  });
}

async function main(): Promise<void> {
  const zk = await startApacheZooKeeper();
  const stepOfFrame: string[] = [];
  let currentStep = "connect";
  const proxy = await startTcpProxy(zk.port, { onFrame: (f) => (stepOfFrame[f.seq] = currentStep) });
  let cli: ZkCli | undefined;
  try {
    cli = await openZkCli(proxy.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS });
    const ctx: StepContext = { dropConnections: () => proxy.dropConnections(), frames: proxy.frames };
    for (const step of STEPS) {
      currentStep = typeof step === "string" ? `zkCli: ${step}` : step.name;
      const before = proxy.frames.length;
      if (typeof step === "string") {
        const output = await cli.run(step);
        console.log(`> ${step}${output === "" ? "" : `\n${output.replace(/^/gm, "  ")}`}`);
      } else {
        console.log(step.name.startsWith("zkCli: ") ? `> ${step.name.slice(7)}` : `> (${step.name})`);
        await step.action(cli, ctx);
      }
      if (proxy.frames.length === before) console.warn("  (no frames for this step)");
    }
    currentStep = "zkCli: quit";
    await cli.close();
    await sleep(200);
  } finally {
    await cli?.close();
    await proxy.close();
    await zk.stop();
  }

  const infos = label(proxy.frames, new Map());
  mkdirSync(OUT_DIR, { recursive: true });
  for (const name of readdirSync(OUT_DIR)) if (name.endsWith(".hex")) rmSync(join(OUT_DIR, name));
  const width = String(proxy.frames.length - 1).length < 3 ? 3 : String(proxy.frames.length - 1).length;
  const entries: IndexEntry[] = proxy.frames.map((f, i) => {
    const { label: name, summary, ...fields } = infos[i] ?? { label: "unknown", summary: "" };
    const file = `${String(f.seq).padStart(width, "0")}-${f.direction}-${name}.hex`;
    writeFileSync(join(OUT_DIR, file), `${f.bytes.toString("hex")}\n`);
    const step = stepOfFrame[f.seq] ?? "";
    return {
      file,
      direction: f.direction,
      connection: f.connection,
      length: f.bytes.length - 4,
      ...fields,
      step,
      description: summary,
    };
  });
  const index = {
    description:
      "Frames observed between Apache zkCli (org.apache.zookeeper.ZooKeeperMain) and Apache ZooKeeper, " +
      "recorded by scripts/capture-golden.ts through a TCP proxy.",
    server: "Apache ZooKeeper 3.8.0 (Debian package zookeeper 3.8.0), standalone, extendedTypesEnabled=true",
    client: "zkCli from the same package (Java client 3.8.0)",
    format:
      "Each .hex file is one whole frame as lowercase hex on one line: the 4-byte big-endian length prefix, " +
      "then the body. Frames are numbered in the order the proxy saw them across both directions.",
    variability:
      "Session ids, passwords, timestamps (ctime/mtime) and zxids are as observed in this run. " +
      "zxid fields are hex strings because they are 64-bit.",
    capturedAt: new Date().toISOString(),
    frames: entries,
  };
  writeFileSync(join(OUT_DIR, "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  console.log(`\nwrote ${entries.length} frames to ${OUT_DIR}`);
  for (const e of entries) console.log(`${e.file.padEnd(52)} ${e.description}`);
}

await main();
