/**
 * `npm run bench:client`: the same Apache ZooKeeper 3.8, the same closed-loop load (create, getData,
 * setData, delete; N of each, 128 in flight), driven in one run by overseer's client, by
 * node-zookeeper-client, and by the native `zookeeper` package when it is installed
 * (`npm install --no-save zookeeper`). Prints ops/s per op, the ratio to node-zookeeper-client, and
 * the client's CPU time per op (process.cpuUsage around each phase: the server can be the bottleneck,
 * so CPU per op is the fairer measure of the client itself).
 *
 * Two anchors, one after the other: Apache with its default forceSync=yes (an fsync per write batch, as
 * in production) and with forceSync=no, where the server is less of a bottleneck and write throughput
 * shows more of the client.
 *
 * Each anchor is warmed up with every client, then measured over --rounds rounds (client order
 * alternating); each client's median round per op is reported, with the min–max.
 *
 * `--native-dir DIR` loads the native package from DIR/node_modules/zookeeper (e.g. a scratch directory
 * where `npm install zookeeper` was run, so this repository's node_modules stays untouched).
 *
 *   npm run bench:client [-- --count 20000 --in-flight 128 --data-size 100 --force-sync both|yes|no --rounds 5 --json FILE]
 */
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import { connect } from "./lib/overseer.js";
import { fmt, runPhase, type PhaseResult } from "./load.js";
import { clientFigures, clientResult, medianOf } from "./client/figures.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    "in-flight": { type: "string", default: "128" },
    "data-size": { type: "string", default: "100" },
    "force-sync": { type: "string", default: "both" },
    rounds: { type: "string", default: "5" },
    "native-dir": { type: "string" },
    json: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const SYNC_MODES = { both: ["yes", "no"], yes: ["yes"], no: ["no"] }[values["force-sync"]];
if (SYNC_MODES === undefined) throw new Error(`--force-sync: expected both, yes or no`);
const COUNT = Number(values.count);
const IN_FLIGHT = Number(values["in-flight"]);
const DATA = Buffer.alloc(Number(values["data-size"]), 0x61);
const OPS = ["create", "getData", "setData", "delete"] as const;
type Op = (typeof OPS)[number];

/** What a benchmarked client must offer; each adapter maps its library onto this. */
interface Target {
  name: string;
  run: Record<Op, (path: string) => Promise<unknown>>;
  mkdir(path: string): Promise<unknown>;
  rmdir(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export interface Measured extends PhaseResult {
  /** Client process CPU (user + system) per op, microseconds. */
  cpuUsPerOp: number;
  /** Over the rounds, when this is their median: min–max of ops/s and of CPU µs/op, and how many. */
  range?: [number, number];
  cpuRange?: [number, number];
  samples?: number;
}

const require = createRequire(import.meta.url);

async function overseer(connectString: string): Promise<Target> {
  const zk = await connect({ connectString, sessionTimeout: 30_000 });
  return {
    name: "overseer",
    run: {
      create: (p) => zk.create(p, DATA),
      getData: (p) => zk.getData(p),
      setData: (p) => zk.setData(p, DATA),
      delete: (p) => zk.delete(p),
    },
    mkdir: (p) => zk.create(p),
    rmdir: (p) => zk.delete(p),
    close: () => zk.close(),
  };
}

/** The part of node-zookeeper-client (CommonJS, untyped) the benchmark uses. */
interface NzkClient {
  connect(): void;
  once(event: "connected", cb: () => void): void;
  create(path: string, data: Buffer | null, cb: (err: Error | null, path: string) => void): void;
  getData(path: string, cb: (err: Error | null, data: Buffer) => void): void;
  setData(path: string, data: Buffer, version: number, cb: (err: Error | null) => void): void;
  remove(path: string, version: number, cb: (err: Error | null) => void): void;
  close(): void;
}
interface NzkModule {
  createClient(connectString: string, opts: { sessionTimeout: number }): NzkClient;
}

function cb<T>(resolve: (v: T) => void, reject: (e: Error) => void): (err: Error | null, v: T) => void {
  return (err, v) => (err === null || err === undefined ? resolve(v) : reject(err));
}

async function nodeZookeeperClient(connectString: string): Promise<Target> {
  const mod = require("node-zookeeper-client") as NzkModule;
  const zk = mod.createClient(connectString, { sessionTimeout: 30_000 });
  await new Promise<void>((resolve) => {
    zk.once("connected", resolve);
    zk.connect();
  });
  const create = (p: string, d: Buffer | null): Promise<string> =>
    new Promise((res, rej) => zk.create(p, d, cb(res, rej)));
  const remove = (p: string): Promise<void> =>
    new Promise((res, rej) => zk.remove(p, -1, (e) => (e ? rej(e) : res())));
  return {
    name: "node-zookeeper-client",
    run: {
      create: (p) => create(p, DATA),
      getData: (p) => new Promise((res, rej) => zk.getData(p, cb(res, rej))),
      setData: (p) => new Promise<void>((res, rej) => zk.setData(p, DATA, -1, (e) => (e ? rej(e) : res()))),
      delete: remove,
    },
    mkdir: (p) => create(p, null),
    rmdir: remove,
    close: () => Promise.resolve(zk.close()),
  };
}

/** The part of the native `zookeeper` package (promise API) the benchmark uses. */
interface NativeClient {
  init(config: object): void;
  once(event: "connect", cb: () => void): void;
  create(path: string, data: Buffer | null, flags: number): Promise<string>;
  get(path: string, watch: boolean): Promise<unknown>;
  set(path: string, data: Buffer, version: number): Promise<unknown>;
  delete_(path: string, version: number): Promise<unknown>;
  close(): void;
}
type NativeCtor = new (config: { connect: string; timeout: number; debug_level?: number }) => NativeClient;

/** Loads the native package, or returns why it cannot be used here. */
function loadNative(): NativeCtor | string {
  try {
    const dir = values["native-dir"];
    const req = dir === undefined ? require : createRequire(join(dir, "package.json"));
    return req("zookeeper") as NativeCtor;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return `not installed or not built (${msg}); try \`npm install --no-save zookeeper\``;
  }
}

async function nativeZookeeper(ctor: NativeCtor, connectString: string): Promise<Target> {
  const zk = new ctor({ connect: connectString, timeout: 30_000, debug_level: 0 });
  await new Promise<void>((resolve) => {
    zk.once("connect", resolve);
    zk.init({});
  });
  return {
    name: "zookeeper (native)",
    run: {
      create: (p) => zk.create(p, DATA, 0),
      getData: (p) => zk.get(p, false),
      setData: (p) => zk.set(p, DATA, -1),
      delete: (p) => zk.delete_(p, -1),
    },
    mkdir: (p) => zk.create(p, null, 0),
    rmdir: (p) => zk.delete_(p, -1),
    close: () => Promise.resolve(zk.close()),
  };
}

async function phase(op: Op, count: number, fn: (i: number) => Promise<unknown>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const r = await runPhase(op, count, IN_FLIGHT, fn);
  const used = process.cpuUsage(cpu);
  return { ...r, cpuUsPerOp: (used.user + used.system) / count };
}

async function drive(target: Target, tag: string, count: number): Promise<Measured[]> {
  const root = `/bench-${tag}-${process.pid}-${Date.now()}`;
  await target.mkdir(root);
  const p = (i: number): string => `${root}/n${i}`;
  const out: Measured[] = [];
  for (const op of OPS) out.push(await phase(op, count, (i) => target.run[op](p(i))));
  await target.rmdir(root);
  return out;
}

export interface Result {
  name: string;
  phases: Measured[];
}

/**
 * One anchor: a fresh Apache ZooKeeper with `forceSync`, warmed up, then ROUNDS rounds in which every
 * client drives the same load in turn, the order reversed each round so no client always follows
 * the JIT's or the log's warm-up; each client's median round is reported (min–max beside it).
 */
async function runAnchor(forceSync: string, native: NativeCtor | string): Promise<Result[]> {
  const zk = await startApacheZooKeeper({
    tickTime: 2000,
    extraConfig: { forceSync },
    apacheDefaults: true, // G1, C2, default heap: not the harness's test-speed JVM flags
  });
  const measured = new Map<string, Measured[][]>();
  try {
    const makers: (() => Promise<Target>)[] = [
      () => overseer(zk.connectString),
      () => nodeZookeeperClient(zk.connectString),
    ];
    if (typeof native !== "string") makers.push(() => nativeZookeeper(native, zk.connectString));
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? makers : [...makers].reverse();
      for (const make of order) {
        const target = await make();
        try {
          if (round === 0)
            await drive(target, "warmup", COUNT); // JIT and server warm-up, not reported
          else {
            const rounds = measured.get(target.name) ?? [];
            rounds.push(await drive(target, `run${round}`, COUNT));
            measured.set(target.name, rounds);
          }
        } finally {
          await target.close();
        }
      }
    }
  } finally {
    await zk.stop();
  }
  // In the makers' order (overseer first), not the order the last round ran them in.
  const names = ["overseer", "node-zookeeper-client", "zookeeper (native)"];
  return [...measured]
    .sort(([a], [b]) => names.indexOf(a) - names.indexOf(b))
    .map(([name, rounds]) => ({ name, phases: medianOf(rounds) }));
}

function report(title: string, results: readonly Result[]): void {
  console.log(`== ${title}`);
  const base = results.find((r) => r.name === "node-zookeeper-client");
  for (const { name, phases } of results) {
    console.log(name);
    console.log("  op          ops/s    ×nzk   CPU µs/op   ×nzk");
    for (const [i, r] of phases.entries()) {
      const b = base?.phases[i];
      const ratio = b === undefined ? "" : `${(r.opsPerSec / b.opsPerSec).toFixed(2)}×`;
      const cpuRatio = b === undefined ? "" : `${(r.cpuUsPerOp / b.cpuUsPerOp).toFixed(2)}×`;
      console.log(
        `  ${r.op.padEnd(8)} ${fmt(r.opsPerSec).padStart(9)} ${ratio.padStart(7)} ${r.cpuUsPerOp.toFixed(1).padStart(11)} ${cpuRatio.padStart(6)}`,
      );
    }
  }
  console.log("");
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
  console.log(
    `load: ${fmt(COUNT)} of each op, ${IN_FLIGHT} in flight, ${DATA.length}-byte data; median of ${ROUNDS} rounds [min–max]\n`,
  );

  const native = loadNative();
  const anchors: [string, Result[]][] = [];
  for (const forceSync of SYNC_MODES ?? []) anchors.push([forceSync, await runAnchor(forceSync, native)]);
  if (typeof native === "string") console.log(`zookeeper (native): skipped — ${native}\n`);
  for (const [forceSync, results] of anchors) {
    const what =
      forceSync === "yes"
        ? "fsync per write batch, the default"
        : "no fsync: the server is less of a bottleneck";
    report(`Apache ZooKeeper 3.8, forceSync=${forceSync} (${what})`, results);
  }
  const out = clientResult(typeof native === "string" ? native : undefined, values["native-dir"]);
  for (const [forceSync, results] of anchors) clientFigures(out, forceSync, results);
  out.write(values.json);
  console.log(
    "ops/s ratio > 1 means faster than node-zookeeper-client; CPU ratio < 1 means cheaper per op." +
      "\nWith forceSync=yes writes are mostly server-bound; forceSync=no shows more of the client.",
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
