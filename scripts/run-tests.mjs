#!/usr/bin/env node
// Runs the test suite with Node's built-in runner (Node 20's --test takes no globs, so we find the files).
//
//   node scripts/run-tests.mjs [--long] [paths...] [node --test options...]
//
// Test files are test/**/*.test.ts; test/long/** only with --long. Positional arguments that name existing
// files or directories restrict the run to tests under them; every other argument is passed to node as is
// (use the --opt=value form for options that take a value). dist/ is built first when stale: the tests
// that spawn the `overseer` command run the compiled one.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { constants } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const testDir = join(root, "test");

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory())
        return entry.name === "node_modules" || entry.name === "fixtures" ? [] : findTests(path);
      return entry.isFile() && entry.name.endsWith(".test.ts") ? [path] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
const long = args.includes("--long");
const filters = [];
const nodeArgs = [];
for (const arg of args) {
  if (arg === "--long") continue;
  if (!arg.startsWith("-") && existsSync(resolve(arg))) filters.push(resolve(arg));
  else nodeArgs.push(arg);
}

const longDir = join(testDir, "long") + sep;
const files = findTests(testDir).filter(
  (file) =>
    (long || filters.length > 0 || !file.startsWith(longDir)) &&
    (filters.length === 0 || filters.some((f) => file === f || file.startsWith(f + sep))),
);

if (files.length === 0) {
  console.error(
    filters.length > 0 ? "no test files match the given paths" : "no test files found under test/",
  );
  process.exit(filters.length > 0 ? 1 : 0);
}

// The tests that spawn the `overseer` command run the compiled one (test/harness/cli.ts): dist/ is built
// first when src/ is newer (scripts/dist.ts), once, before test files run side by side.
const built = spawnSync(process.execPath, ["--import", "tsx", "scripts/dist.ts"], {
  cwd: root,
  stdio: "inherit",
});
if (built.status !== 0) process.exit(built.status ?? 1);

const hasOption = (name) => nodeArgs.some((a) => a === name || a.startsWith(`${name}=`));
const command = [
  "--import",
  "tsx",
  "--test",
  ...(hasOption("--test-concurrency") ? [] : ["--test-concurrency=2"]),
  ...(hasOption("--test-timeout") ? [] : ["--test-timeout=120000"]),
  ...nodeArgs,
  ...files.map((f) => relative(root, f)),
];
const child = spawn(process.execPath, command, { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
