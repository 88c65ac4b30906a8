/** Versions of what the benchmarks measure, for the report. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT_DIR } from "./children.js";

/** The version of an installed npm package (node_modules of this repository, or `dir`), or "?". */
export function packageVersion(pkg: string, dir = ROOT_DIR): string {
  try {
    const file = join(dir, "node_modules", pkg, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

export function overseerVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT_DIR, "package.json"), "utf8")) as { version: string };
  const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT_DIR }).stdout?.toString().trim();
  return rev ? `${pkg.version} (${rev})` : pkg.version;
}

/** Debian's Apache ZooKeeper version, from the jar's manifest-bearing package, or "3.8 (Debian)". */
export function apacheVersion(): string {
  const out = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "zookeeper"]).stdout?.toString().trim();
  return out ? `${out} (Debian package)` : "3.8 (Debian package)";
}

export function javaVersion(): string {
  const r = spawnSync("java", ["-version"]);
  return /version "([^"]+)"/.exec(r.stderr?.toString() ?? "")?.[1] ?? "?";
}

export function redisVersion(): string {
  const r = spawnSync("redis-server", ["--version"]);
  return /v=(\S+)/.exec(r.stdout?.toString() ?? "")?.[1] ?? "?";
}

/** The exact command line that ran this benchmark, as a user would type it. */
export function commandLine(): string {
  const script = process.argv[1]?.replace(ROOT_DIR, "") ?? "?";
  return ["npx tsx", script, ...process.argv.slice(2)].join(" ");
}
