/** Every ts block of docs/RECIPES.md runs as written (with `overseer…` resolved to this checkout's source). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(join(root, "docs/RECIPES.md"), "utf8");
const blocks = [...doc.matchAll(/^## (.+)\n[\s\S]*?```ts\n([\s\S]*?)```/gm)].map((m) => ({
  title: m[1] ?? "",
  source: m[2] ?? "",
}));

/** What each example must print (its `// …` comments say so too). */
const EXPECTED: Record<string, string[]> = {
  "Leader election with fencing": ["leader, epoch 1", "true true"],
  Mutex: ["true", "true false"],
  "Group membership": ["joined w2", "w1,w2", "left w2"],
  Caches: ["added /app", "added /app/db", "updated /app/db", "postgres://b postgres://b", "[ 'db' ]"],
};

test("docs/RECIPES.md has one example per recipe", () => {
  assert.deepEqual(
    blocks.map((b) => b.title),
    Object.keys(EXPECTED),
  );
});

for (const block of blocks) {
  test(`docs/RECIPES.md example runs: ${block.title}`, async () => {
    const source = block.source
      .replace(/from "overseer\/recipes"/g, `from ${JSON.stringify(join(root, "src/recipes/index.ts"))}`)
      .replace(/from "overseer"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`);
    const dir = mkdtempSync(join(root, "node_modules", ".recipes-doc-"));
    try {
      const file = join(dir, "example.mts");
      writeFileSync(file, source);
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        timeout: 30_000,
      });
      assert.deepEqual(stdout.trim().split("\n"), EXPECTED[block.title]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
