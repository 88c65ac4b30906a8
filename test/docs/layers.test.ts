/**
 * The layering of docs/ARCHITECTURE.md, enforced: every relative import in src/ must point to a layer the
 * importing layer may depend on, and protocol/ stays free of I/O modules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../../src/", import.meta.url));

/** Which layers each layer may import (besides itself). */
const allowed: Record<string, readonly string[]> = {
  protocol: [],
  client: ["protocol"],
  server: ["protocol"],
  recipes: ["client", "protocol"],
  tasks: ["recipes", "client", "protocol"],
  dashboard: ["tasks", "recipes", "client", "protocol"],
  cli: ["dashboard", "tasks", "recipes", "client", "server", "protocol"],
  ".": ["client", "server", "protocol", "recipes", "tasks"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function layerOf(file: string): string {
  const rel = relative(src, file);
  return rel.includes(sep) ? (rel.split(sep)[0] ?? ".") : ".";
}

const importRe = /(?:import|export)\s[^"';]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

test("every import in src/ points down the layer list", () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    const layer = layerOf(file);
    const may = allowed[layer];
    assert.ok(
      may,
      `unknown layer ${layer} (${relative(src, file)}): add it to this test and ARCHITECTURE.md`,
    );
    for (const m of readFileSync(file, "utf8").matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? "";
      if (!spec.startsWith(".")) continue;
      const target = layerOf(resolve(dirname(file), spec));
      if (target !== layer && !may.includes(target))
        violations.push(`${relative(src, file)} imports ${spec} (${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("protocol/ does no I/O", () => {
  for (const file of files(join(src, "protocol"))) {
    const text = readFileSync(file, "utf8");
    assert.doesNotMatch(
      text,
      /from\s+["'](node:)?(net|fs|fs\/promises|http|child_process|dgram|tls)["']/,
      relative(src, file),
    );
  }
});
