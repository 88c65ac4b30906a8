/** The README's first program must run as written (with `overseer` resolved to this checkout's source). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));

function firstProgram(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block?.[1], "README has a ts block");
  return block[1];
}

test("the README's first program runs and prints the sequential task path", async () => {
  const source = firstProgram().replace(
    /from "overseer"/g,
    `from ${JSON.stringify(join(root, "src/index.ts"))}`,
  );
  const dir = mkdtempSync(join(root, "node_modules", ".readme-"));
  try {
    const file = join(dir, "first-program.mts");
    writeFileSync(file, source);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      timeout: 30_000,
    });
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], "/tasks/task-0000000000");
    assert.equal(lines[1], "[ 'task-0000000000' ]");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
