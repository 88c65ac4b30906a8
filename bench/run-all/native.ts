/**
 * The native `zookeeper` npm package (C client binding) for bench/client.ts, installed in a scratch
 * directory so this repository's node_modules and lock stay untouched. Returns the directory to pass
 * as --native-dir, or why it cannot be used.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

function loads(dir: string): string | undefined {
  try {
    createRequire(join(dir, "package.json"))("zookeeper");
    return undefined;
  } catch (err) {
    return err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err);
  }
}

export function prepareNative(): { dir: string } | { problem: string } {
  const dir = join(tmpdir(), "overseer-bench-native");
  if (loads(dir) === undefined) return { dir };
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "package.json")))
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "native-scratch", private: true }));
  console.log(`run-all: installing the native zookeeper package in ${dir}`);
  const install = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "zookeeper"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 600_000,
  });
  if (install.status !== 0)
    return {
      problem: `npm install zookeeper failed: ${(install.stderr || install.stdout).trim().split("\n").slice(-3).join(" ")}`,
    };
  // npm may hold back install scripts (allowScripts); run the package's own install (download + node-gyp).
  if (loads(dir) !== undefined) {
    const build = spawnSync("npm", ["run", "install"], {
      cwd: join(dir, "node_modules", "zookeeper"),
      encoding: "utf8",
      timeout: 600_000,
    });
    if (build.status !== 0)
      return {
        problem: `the zookeeper package did not build: ${(build.stderr || build.stdout).trim().split("\n").slice(-3).join(" ")}`,
      };
  }
  const problem = loads(dir);
  return problem === undefined ? { dir } : { problem: `the zookeeper package does not load: ${problem}` };
}
