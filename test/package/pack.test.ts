/**
 * `npm pack` → install the tarball into a fresh project → the `overseer` bin runs, every public entry
 * point imports, and its types check under a strict TypeScript config. Catches files missing from the
 * package, broken `exports`, and types that only resolve inside this repository.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
};
const subpaths = Object.keys(pkg.exports).map((k) => (k === "." ? "overseer" : `overseer/${k.slice(2)}`));

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "overseer-pack-"));
  const { stdout } = await exec("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: root,
    timeout: 120_000,
  });
  const tarball = join(dir, stdout.trim().split("\n").pop() ?? "");
  const project = join(dir, "app");
  await exec("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module" }),
  );
  await exec("npm", ["install", "--silent", "--no-audit", "--no-fund", tarball], {
    cwd: project,
    timeout: 120_000,
  });
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("the installed bin runs", async () => {
  const { stdout } = await exec(join(dir, "app/node_modules/.bin/overseer"), ["--help"]);
  assert.match(stdout, /Usage: overseer/);
  assert.match(stdout, /server/);
});

test("every public entry point imports from the installed package", async () => {
  const script = subpaths.map(
    (s, i) => `import * as m${i} from "${s}"; console.log("${s}", Object.keys(m${i}).length);`,
  );
  writeFileSync(join(dir, "app/imports.mjs"), script.join("\n"));
  const { stdout } = await exec(process.execPath, ["imports.mjs"], { cwd: join(dir, "app") });
  for (const s of subpaths)
    assert.match(stdout, new RegExp(`^${s} [1-9]\\d*$`, "m"), `${s} exports something`);
});

test("the public types check under strict TypeScript", async () => {
  const app = join(dir, "app");
  writeFileSync(
    join(app, "use.ts"),
    [
      `import { connect, startServer, type ClientOptions, type RunningServer } from "overseer";`,
      `import { ZooKeeperClient, NoNodeError } from "overseer/client";`,
      `import { OpCode } from "overseer/protocol";`,
      `const opts: ClientOptions = { connectString: "127.0.0.1:2181" };`,
      `export async function f(): Promise<RunningServer> { const s = await startServer({ port: 0 }); const c: ZooKeeperClient = await connect(opts); await c.close(); return s; }`,
      `export const e: typeof NoNodeError = NoNodeError; export const op: number = OpCode.create;`,
    ].join("\n"),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        noEmit: true,
        skipLibCheck: false,
        // A Node library's consumer has @types/node; borrow ours instead of installing it again.
        typeRoots: [join(root, "node_modules/@types")],
        types: ["node"],
      },
      files: ["use.ts"],
    }),
  );
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  await exec(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app }).catch(
    (err: Error & { stdout?: string }) => {
      assert.fail(`tsc failed:\n${err.stdout ?? err.message}`);
    },
  );
});
