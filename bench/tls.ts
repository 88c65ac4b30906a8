/**
 * `npx tsx bench/tls.ts`: what TLS costs overseer's client. The same server, its plain port and its TLS
 * port, the same closed-loop load (create, getData, setData, delete; N of each, 128 in flight), in
 * alternating rounds (plain then TLS, then TLS then plain, …) after warm-up rounds of each (3 by default:
 * Apache's JIT is still compiling its TLS and request paths through the first two). Reports
 * per op the median ops/s of the rounds with their range, and TLS ÷ plain (the issue's goal: TLS costs
 * under 20% of plain throughput), with the client's CPU per op and the server process's (read from
 * /proc), which say on which side of the wire TLS costs.
 *
 * Servers: Apache ZooKeeper 3.8 with secureClientPort (Netty serves both ports), and the embedded server's
 * TLS listener when this build has one; both with forceSync off, so the disk does not hide the transport
 * (`--embedded auto`, the default, measures it if the server accepts the `tls` option and skips it with
 * a note otherwise; `on` fails instead; `off` skips). Certificates are made with openssl at start.
 * Apache serves TLS 1.2 unless told otherwise (3.8's `ssl.protocol` default); `--apache-protocol TLSv1.3`
 * sets `ssl.protocol` and `ssl.enabledProtocols` to it.
 *
 *   npx tsx bench/tls.ts [--count 20000 --in-flight 128 --data-size 100 --rounds 5 --warmup 3 --embedded auto|on|off
 *     --apache-protocol TLSv1.2|TLSv1.3 --json FILE]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import { makeTestCerts, type TestCerts } from "../test/harness/certs.js";
import { freePort } from "./lib/children.js";
import { ResultBuilder } from "./lib/emit.js";
import { connect, howRun, startServerProcess } from "./lib/overseer.js";
import { apacheVersion, javaVersion, overseerVersion } from "./lib/versions.js";
import { fmt, runPhase } from "./load.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    "in-flight": { type: "string", default: "128" },
    "data-size": { type: "string", default: "100" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "3" },
    embedded: { type: "string", default: "auto" },
    "apache-protocol": { type: "string", default: "TLSv1.2" },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const IN_FLIGHT = Number(values["in-flight"]);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const DATA = Buffer.alloc(Number(values["data-size"]), 0x61);
const EMBEDDED = values.embedded;
if (!["auto", "on", "off"].includes(EMBEDDED)) throw new Error("--embedded: expected auto, on or off");
/** Apache's ssl.protocol (3.8's default is TLSv1.2; TLSv1.3 must be configured). */
const APACHE_PROTOCOL = values["apache-protocol"];
if (!["TLSv1.2", "TLSv1.3"].includes(APACHE_PROTOCOL))
  throw new Error("--apache-protocol: expected TLSv1.2 or TLSv1.3");
const OPS = ["create", "getData", "setData", "delete"] as const;
/** /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;
type Mode = "plain" | "tls";

/** A server with both ports, and how to stop it. */
interface Target {
  name: string;
  plain: string;
  tls: string;
  /** The server's process (its CPU per op is read from /proc). */
  pid: number | undefined;
  stop(): Promise<void>;
}

interface Phase {
  opsPerSec: number;
  /** This process's CPU (user + system) per op, µs: the client's own cost, whatever the server does. */
  cpuUs: number;
  /** The server process's CPU per op, µs (/proc, 10 ms ticks: a phase lasts ≥ 0.2 s at the full run's count). */
  serverUs: number;
}

/** CPU time (user + system) of process `pid` and its descendants so far, µs (Apache's JVM runs under a
 * launcher); NaN when it cannot be read. */
function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  if (!stats.has(pid)) return NaN;
  let ticks = 0;
  const tree = new Set([pid]);
  // Parents have lower pids than their children here, but not always: repeat until nothing is added.
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, st] of stats)
      if (!tree.has(p) && tree.has(st.ppid)) {
        tree.add(p);
        grew = true;
      }
  }
  for (const p of tree) ticks += stats.get(p)?.ticks ?? 0;
  return ticks * (1e6 / CLOCK_TICKS);
}

/** One round on one port: ops/s, client CPU and server CPU per op, for each op. */
async function drive(
  connectString: string,
  certs: TestCerts,
  mode: Mode,
  tag: string,
  serverPid: number | undefined,
): Promise<Phase[]> {
  const zk = await connect({
    connectString,
    sessionTimeout: 30_000,
    ...(mode === "tls" ? { tls: { ca: certs.ca } } : {}),
  });
  try {
    const root = `/bench-tls-${tag}-${process.pid}-${Date.now()}`;
    await zk.create(root);
    const p = (i: number): string => `${root}/n${i}`;
    const run = {
      create: (i: number) => zk.create(p(i), DATA),
      getData: (i: number) => zk.getData(p(i)),
      setData: (i: number) => zk.setData(p(i), DATA),
      delete: (i: number) => zk.delete(p(i)),
    };
    const out: Phase[] = [];
    for (const op of OPS) {
      const cpu = process.cpuUsage();
      const server = processCpuUs(serverPid);
      const { opsPerSec } = await runPhase(op, COUNT, IN_FLIGHT, run[op]);
      const used = process.cpuUsage(cpu);
      const serverUs = (processCpuUs(serverPid) - server) / COUNT;
      out.push({ opsPerSec, cpuUs: (used.user + used.system) / COUNT, serverUs });
    }
    await zk.delete(root);
    return out;
  } finally {
    await zk.close();
  }
}

async function apache(certs: TestCerts): Promise<Target> {
  const zk = await startApacheZooKeeper({
    tickTime: 2000,
    extraConfig: {
      forceSync: "no",
      "ssl.protocol": APACHE_PROTOCOL,
      "ssl.enabledProtocols": APACHE_PROTOCOL,
      // 3.8's default cipher list names TLS 1.2 suites only: a TLS 1.3 handshake fails without these.
      ...(APACHE_PROTOCOL === "TLSv1.3"
        ? { "ssl.ciphersuites": "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256" }
        : {}),
    },
    apacheDefaults: true, // G1, C2, default heap: not the harness's test-speed JVM flags
    secure: { tls: { certs, clientAuth: "none" } },
  });
  const tls = zk.secureConnectString;
  if (tls === undefined) throw new Error("Apache ZooKeeper started without a secure port");
  return { name: "Apache ZooKeeper 3.8", plain: zk.connectString, tls, pid: zk.pid, stop: () => zk.stop() };
}

/**
 * The embedded server's TLS listener (branch tls-server: ServerOptions.tls = { port, certFile, keyFile,
 * caFile?, clientAuth? }). Returns why it cannot be measured when this build has no such listener.
 */
async function embedded(certs: TestCerts): Promise<Target | string> {
  const dataDir = mkdtempSync(join(tmpdir(), "overseer-bench-tls-"));
  const securePort = await freePort();
  const tls = {
    port: securePort,
    certFile: certs.server.certPath,
    keyFile: certs.server.keyPath,
    clientAuth: "none",
  };
  try {
    // forceSync off as Apache's here: with it on, write phases wait on fdatasync times that vary more
    // between rounds (plain setData 70k–138k ops/s in one run) than TLS costs.
    const srv = await startServerProcess(dataDir, 0, { tls, forceSync: false });
    const stop = async (): Promise<void> => {
      await srv.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    };
    const target = {
      name: "embedded server",
      plain: `127.0.0.1:${srv.port}`,
      tls: `127.0.0.1:${securePort}`,
      pid: srv.proc.pid,
      stop,
    };
    try {
      const probe = await connect({ connectString: target.tls, connectTimeout: 3000, tls: { ca: certs.ca } });
      await probe.close();
    } catch (err) {
      await stop();
      return `its TLS port did not answer (${(err as Error).message})`;
    }
    return target;
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    return `this build's server has no TLS listener (${(err as Error).message.split("\n")[0] ?? ""})`;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

async function measure(target: Target, certs: TestCerts, out: ResultBuilder): Promise<void> {
  const rounds: Record<Mode, Phase[][]> = { plain: [], tls: [] };
  const at = (mode: Mode): string => (mode === "plain" ? target.plain : target.tls);
  for (let w = 0; w < WARMUP; w++)
    for (const mode of ["plain", "tls"] as const)
      await drive(at(mode), certs, mode, `warmup${w}`, target.pid);
  for (let r = 0; r < ROUNDS; r++) {
    const order: Mode[] = r % 2 === 0 ? ["plain", "tls"] : ["tls", "plain"];
    for (const mode of order) rounds[mode].push(await drive(at(mode), certs, mode, `r${r}`, target.pid));
  }
  console.log(`== ${target.name}: median of ${ROUNDS} rounds [min–max], ops/s`);
  console.log(
    "  op            plain                       TLS                   TLS ÷ plain   client CPU µs/op plain / TLS   server CPU µs/op plain / TLS",
  );
  const tag = target.name.startsWith("Apache") ? "apache" : "embedded";
  for (const [i, op] of OPS.entries()) {
    const col = (mode: Mode): { med: number; text: string; cpu: number; server: number } => {
      const xs = rounds[mode].map((ph) => ph[i]?.opsPerSec ?? NaN);
      const med = median(xs);
      const cpu = median(rounds[mode].map((ph) => ph[i]?.cpuUs ?? NaN));
      const server = median(rounds[mode].map((ph) => ph[i]?.serverUs ?? NaN));
      return { med, cpu, server, text: `${fmt(med)} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]` };
    };
    const plain = col("plain");
    const tls = col("tls");
    console.log(
      `  ${op.padEnd(8)} ${plain.text.padStart(26)} ${tls.text.padStart(26)} ${(tls.med / plain.med).toFixed(2).padStart(8)}× ${plain.cpu.toFixed(1).padStart(12)} / ${tls.cpu.toFixed(1).padEnd(16)} ${plain.server.toFixed(1).padStart(6)} / ${tls.server.toFixed(1)}`,
    );
    out.add({
      key: `tls.${tag}.${op}.ops`,
      label: `${target.name}: ${op} over TLS (ops/s)`,
      unit: "ops/s",
      value: tls.med,
      anchor: plain.med,
      anchorName: `plain TCP to the same ${target.name}`,
      higherIsBetter: true,
      params: { server: tag, op, inFlight: IN_FLIGHT },
    });
    for (const [key, side, value, anchor] of [
      ["serverUs", "server", tls.server, plain.server],
      ["cpuUs", "client", tls.cpu, plain.cpu],
    ] as const)
      out.add({
        key: `tls.${tag}.${op}.${key}`,
        label: `${target.name}: ${side} CPU per ${op} over TLS (µs)`,
        unit: "µs",
        value,
        anchor,
        anchorName: `the same ${side} over plain TCP`,
        higherIsBetter: false,
        params: { server: tag, op, inFlight: IN_FLIGHT },
      });
  }
  console.log("");
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
  console.log(`load: ${fmt(COUNT)} of each op, ${IN_FLIGHT} in flight, ${DATA.length}-byte data\n`);
  const out = new ResultBuilder("tls");
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    "Apache ZooKeeper": apacheVersion(),
    java: javaVersion(),
  });
  out.note(
    `overseer's client over TLS vs plain TCP to the same server; median of ${ROUNDS} alternating rounds after ${WARMUP} warm-up rounds of each; ${IN_FLIGHT} in flight`,
  );
  out.note(howRun());
  out.note(
    `Apache ZooKeeper: ssl.protocol = ssl.enabledProtocols = ${APACHE_PROTOCOL}${APACHE_PROTOCOL === "TLSv1.2" ? " (3.8's default)" : ""}`,
  );
  out.note(
    "both servers with forceSync off (writes acknowledged from the page cache), so the disk does not hide the transport",
  );
  const certs = await makeTestCerts();
  try {
    // One server at a time, each started just before it is measured.
    const starters: (() => Promise<Target | string>)[] = [() => apache(certs)];
    if (EMBEDDED !== "off") starters.push(() => embedded(certs));
    for (const start of starters) {
      const t = await start();
      if (typeof t === "string") {
        if (EMBEDDED === "on") throw new Error(`embedded server: ${t}`);
        out.note(`embedded server not measured: ${t}`);
        continue;
      }
      try {
        await measure(t, certs, out);
      } finally {
        await t.stop();
      }
    }
  } finally {
    certs.remove();
  }
  out.write(values.json);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
