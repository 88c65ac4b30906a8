/**
 * ZooKeeper-style `zoo.cfg` → ServerOptions. Pure: takes the file's text, returns options plus
 * warnings (unknown keys, Apache keys that mean nothing on one embedded node); a bad value throws
 * ConfigError naming the key and the value, so a typo never starts a server with a silent default.
 */
import type { ServerOptions } from "./options.js";
import { finishTls, SECURITY_KEYS, type Setter, type TlsParts } from "./config-security.js";
import { ConfigError, bool, int } from "./config-values.js";

export { ConfigError };

export interface ParsedConfig {
  readonly options: ServerOptions;
  readonly warnings: readonly string[];
}

/** Apache keys that are valid in zoo.cfg but have no meaning for a single embedded node. */
const IGNORED = new Set([
  "initLimit",
  "syncLimit",
  "autopurge.purgeInterval",
  "admin.enableServer",
  "admin.serverPort",
  "standaloneEnabled",
  "reconfigEnabled",
  "preAllocSize",
  "globalOutstandingLimit",
  "metricsProvider.className",
  "serverCnxnFactory",
  "electionAlg",
  "peerType",
]);

/** -1 (Apache's "use the default") leaves the option unset. */
function timeout(v: string, fail: (expected: string) => never): number | undefined {
  const n = int(v, fail, -1, "a positive integer or -1");
  if (n === 0) fail("a positive integer or -1");
  return n === -1 ? undefined : n;
}

const KEYS: Record<string, Setter> = {
  tickTime: (o, v, f) => (o.tickTime = int(v, f, 1)),
  dataDir: (o, v, f) => (o.dataDir = v === "" ? f("a directory path") : v),
  dataLogDir: (o, v, f) => (o.dataLogDir = v === "" ? f("a directory path") : v),
  clientPort: (o, v, f) => {
    o.port = int(v, f, 0, "a port number 0–65535");
    if (o.port > 65535) f("a port number 0–65535");
  },
  clientPortAddress: (o, v, f) => (o.host = v === "" ? f("an address") : v),
  maxClientCnxns: (o, v, f) => (o.maxClientCnxns = int(v, f, 0)),
  minSessionTimeout: (o, v, f) => (o.minSessionTimeout = timeout(v, f)),
  maxSessionTimeout: (o, v, f) => (o.maxSessionTimeout = timeout(v, f)),
  snapCount: (o, v, f) => (o.snapCount = int(v, f, 2)),
  "autopurge.snapRetainCount": (o, v, f) => (o.snapRetainCount = int(v, f, 1)),
  "4lw.commands.whitelist": (o, v) => (o.fourLetterWords = v),
  forceSync: (o, v, f) => (o.forceSync = bool(v, f)),
  "jute.maxbuffer": (o, v, f) => (o.maxBuffer = int(v, f, 1024)),
  extendedTypesEnabled: (o, v, f) => (o.extendedTypesEnabled = bool(v, f)),
  maxOutstandingRequests: (o, v, f) => (o.maxOutstandingRequests = int(v, f, 1)),
  ...SECURITY_KEYS,
};

/** Parse a zoo.cfg: `key=value` lines, `#` comments, surrounding whitespace ignored. */
export function parseConfig(text: string): ParsedConfig {
  const options: ServerOptions = {};
  const warnings: string[] = [];
  const tls: TlsParts = {};
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const lineNo = i + 1;
    if (eq <= 0) throw new ConfigError(line, "", lineNo, "a key=value line");
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const set = KEYS[key];
    if (set !== undefined) {
      set(
        options,
        value,
        (expected) => {
          throw new ConfigError(key, value, lineNo, expected);
        },
        tls,
        lineNo,
      );
    } else if (IGNORED.has(key) || /^server\.\d+$/.test(key) || key.startsWith("ssl.")) {
      warnings.push(`line ${lineNo}: ${key} is ignored by the embedded single-node server`);
    } else {
      warnings.push(`line ${lineNo}: unknown key ${key} (ignored)`);
    }
  }
  finishTls(options, tls, warnings);
  return { options, warnings };
}
