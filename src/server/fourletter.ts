/**
 * Four-letter words (PROTOCOL.md §7.12): recognised as the first 4 bytes of a fresh connection; the
 * server writes a text answer and closes. Only whitelisted words run; others get Apache's refusal.
 */

export const FOUR_LETTER_WORDS: readonly string[] = [
  "conf",
  "cons",
  "crst",
  "dirs",
  "dump",
  "envi",
  "isro",
  "mntr",
  "ruok",
  "srst",
  "srvr",
  "stat",
  "wchc",
  "wchp",
  "wchs",
];

const byCode = new Map<number, string>(
  FOUR_LETTER_WORDS.map((w) => [Buffer.from(w, "latin1").readInt32BE(0), w]),
);

/** The word whose ASCII bytes form `code`, or null when `code` is an ordinary frame length. */
export function fourLetterCode(code: number): string | null {
  return byCode.get(code) ?? null;
}

/** Apache's version string format; zkServer.sh and monitoring scripts parse the first token. */
export const SERVER_VERSION = "3.8.0-overseer, built on 1970-01-01 00:00 UTC";

export interface ServerStats {
  readonly connections: number;
  readonly sessions: number;
  readonly nodes: number;
  readonly watches: number;
  readonly watchedPaths: number;
  readonly ephemerals: number;
  readonly approximateDataSize: number;
  readonly zxid: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly outstandingRequests: number;
  readonly uptimeMs: number;
}

export interface ConnectionInfo {
  readonly address: string;
  readonly port: number;
  readonly received: number;
  readonly sent: number;
  readonly sessionId: bigint | null;
  readonly timeout: number;
  readonly watchPaths: readonly string[];
}

export interface FourLetterContext {
  stats(): ServerStats;
  connectionInfo(): ConnectionInfo[];
  config(): readonly (readonly [string, string])[];
  resetStats(): void;
}

const hex = (n: number | bigint): `0x${string}` => `0x${n.toString(16)}`;

function srvr(s: ServerStats, clients: string): string {
  return (
    `Zookeeper version: ${SERVER_VERSION}\n` +
    clients +
    // Requests are processed synchronously within one event-loop turn: latency rounds to 0 ms.
    `Latency min/avg/max: 0/0.0/0\n` +
    `Received: ${s.packetsReceived}\n` +
    `Sent: ${s.packetsSent}\n` +
    `Connections: ${s.connections}\n` +
    `Outstanding: ${s.outstandingRequests}\n` +
    `Zxid: ${hex(s.zxid)}\n` +
    `Mode: standalone\n` +
    `Node count: ${s.nodes}\n`
  );
}

function consLine(c: ConnectionInfo, withSession: boolean): string {
  const sid =
    withSession && c.sessionId !== null ? `,sid=${hex(BigInt.asUintN(64, c.sessionId))},to=${c.timeout}` : "";
  return ` /${c.address}:${c.port}[1](queued=0,recved=${c.received},sent=${c.sent}${sid})\n`;
}

function mntr(s: ServerStats): string {
  const rows: [string, string | number][] = [
    ["zk_version", SERVER_VERSION],
    ["zk_server_state", "standalone"],
    ["zk_avg_latency", 0],
    ["zk_max_latency", 0],
    ["zk_min_latency", 0],
    ["zk_packets_received", s.packetsReceived],
    ["zk_packets_sent", s.packetsSent],
    ["zk_num_alive_connections", s.connections],
    ["zk_outstanding_requests", s.outstandingRequests],
    ["zk_znode_count", s.nodes],
    ["zk_watch_count", s.watches],
    ["zk_ephemerals_count", s.ephemerals],
    ["zk_approximate_data_size", s.approximateDataSize],
    ["zk_global_sessions", s.sessions],
    ["zk_local_sessions", 0],
    ["zk_uptime", s.uptimeMs],
  ];
  return rows.map(([k, v]) => `${k}\t${v}\n`).join("");
}

/** The text answer for an (already whitelist-checked) word. */
export function renderFourLetter(word: string, ctx: FourLetterContext): string {
  switch (word) {
    case "ruok":
      return "imok";
    case "isro":
      return "rw";
    case "srvr":
      return srvr(ctx.stats(), "");
    case "stat": {
      const lines = ctx
        .connectionInfo()
        .map((c) => consLine(c, false))
        .join("");
      return srvr(ctx.stats(), `Clients:\n${lines}\n`);
    }
    case "cons":
      return (
        ctx
          .connectionInfo()
          .map((c) => consLine(c, true))
          .join("") + "\n"
      );
    case "mntr":
      return mntr(ctx.stats());
    case "wchs": {
      const s = ctx.stats();
      const watching = ctx.connectionInfo().filter((c) => c.watchPaths.length > 0).length;
      return `${watching} connections watching ${s.watchedPaths} paths\nTotal watches:${s.watches}\n`;
    }
    case "wchc":
      return ctx
        .connectionInfo()
        .filter((c) => c.sessionId !== null && c.watchPaths.length > 0)
        .map(
          (c) =>
            `${hex(BigInt.asUintN(64, c.sessionId ?? 0n))}\n${c.watchPaths.map((p) => `\t${p}\n`).join("")}`,
        )
        .join("");
    case "wchp": {
      const byPath = new Map<string, string[]>();
      for (const c of ctx.connectionInfo()) {
        for (const p of c.watchPaths) {
          const list = byPath.get(p) ?? [];
          list.push(hex(BigInt.asUintN(64, c.sessionId ?? 0n)));
          byPath.set(p, list);
        }
      }
      return [...byPath].map(([p, ids]) => `${p}\n${ids.map((i) => `\t${i}\n`).join("")}`).join("");
    }
    case "conf":
      return ctx
        .config()
        .map(([k, v]) => `${k}=${v}\n`)
        .join("");
    case "envi":
      return (
        `Environment:\n` +
        `zookeeper.version=${SERVER_VERSION}\n` +
        `host.name=${process.env["HOSTNAME"] ?? "localhost"}\n` +
        `node.version=${process.version}\n` +
        `os.name=${process.platform}\n` +
        `os.arch=${process.arch}\n` +
        `user.dir=${process.cwd()}\n`
      );
    case "dirs":
      return `datadir_size: 0\nlogdir_size: 0\n`;
    case "dump": {
      const sessions = ctx.connectionInfo().filter((c) => c.sessionId !== null);
      return `SessionTracker dump:\nGlobal Sessions(${sessions.length}):\n${sessions
        .map((c) => `${hex(BigInt.asUintN(64, c.sessionId ?? 0n))}\t${c.timeout}ms\n`)
        .join("")}`;
    }
    case "srst":
    case "crst":
      ctx.resetStats();
      return word === "srst" ? "Server stats reset.\n" : "Connection stats reset.\n";
    default:
      return `${word} is not executed because it is not in the whitelist.\n`;
  }
}

export function notWhitelisted(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}
