/**
 * dist/ for the benchmarks and the tests that spawn the `overseer` command: built and no older than its
 * inputs (src/, the tsconfigs, package.json), else `npm run build` runs. The benchmarks check once per
 * top-level run (the first check sets OVERSEER_BENCH_DIST, which child processes inherit and then skip
 * the check, so every process of one run loads the same build); scripts/run-tests.mjs builds before the
 * test files start (`node --import tsx scripts/dist.ts`), and the tests only check (assertBuilt).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT_DIR = fileURLToPath(new URL("..", import.meta.url));

export const DIST_DIR = join(ROOT_DIR, "dist");
/** The build's marker: tsc writes it with the rest; a failed build here leaves it marked stale. */
const MARKER = join(DIST_DIR, "index.js");
/** What the build reads besides src/. */
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package.json"];

/** The newest mtime (ms) of a file or directory tree; directories count too (a file deleted or renamed). */
function newest(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** Why dist/ needs a build, or null when it is up to date. */
export function staleReason(): string | null {
  const built = statSync(MARKER, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return "dist/ is not built";
  if (built === 0) return "the last build here failed";
  for (const input of INPUTS) {
    if (newest(join(ROOT_DIR, input)) > built) return `${input} changed since the last build`;
  }
  return null;
}

/** Runs `npm run build` if dist/ is missing or older than src/; throws if the build fails. */
export function ensureBuilt(): void {
  const reason = staleReason();
  if (reason === null) return;
  console.error(`dist: ${reason}; running npm run build`);
  const start = new Date();
  const r = spawnSync("npm", ["run", "build", "--silent"], {
    cwd: ROOT_DIR,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    // tsc emits despite type errors; mark what it wrote stale so the next run builds again.
    if (existsSync(MARKER)) utimesSync(MARKER, 0, 0);
    const why = r.error?.message ?? (r.signal !== null ? `signal ${r.signal}` : `exit ${r.status}`);
    throw new Error(
      `dist: npm run build failed (${why}); the benchmarks and the CLI tests run overseer from dist/`,
    );
  }
  if (!existsSync(MARKER)) throw new Error(`dist: npm run build wrote no ${MARKER}`);
  // The build's start time, not its end: a src file saved while tsc ran makes the next run build again.
  utimesSync(MARKER, start, start);
}

/** ensureBuilt(), unless this process or its parent already did. */
export function ensureBuiltOnce(): void {
  if (process.env["OVERSEER_BENCH_DIST"] === "checked") return;
  ensureBuilt();
  process.env["OVERSEER_BENCH_DIST"] = "checked";
}

/** For the tests: throws, saying what to do, unless dist/ is up to date (they must not build side by side). */
export function assertBuilt(): void {
  const reason = staleReason();
  if (reason !== null)
    throw new Error(`${reason}: run \`npm run build\` (npm test and npm run test:all build first)`);
}

// `node --import tsx scripts/dist.ts`: build if stale (scripts/run-tests.mjs, before the test files start).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt();
