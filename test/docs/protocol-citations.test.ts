/**
 * Every "§x.y" cited in src/, docs/ or test/ must name a section of docs/PROTOCOL.md, and no citation may
 * still point at the old out-of-repo reference sheet ("reference §…").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const self = relative(root, fileURLToPath(import.meta.url));
const protocolDoc = join(root, "docs", "PROTOCOL.md");

/** Section numbers from the doc's headings: "## §7 …", "### §7.2 …". */
function sections(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const m of markdown.matchAll(/^#{2,4} §(\d+(?:\.\d+)*) /gm)) if (m[1]) found.add(m[1]);
  return found;
}

interface Problem {
  file: string;
  line: number;
  text: string;
}

/** Citations in `text` that name a missing section or still say "reference §". */
function problems(file: string, text: string, known: Set<string>): Problem[] {
  const out: Problem[] = [];
  text.split("\n").forEach((line, i) => {
    if (/reference\s+§/i.test(line)) out.push({ file, line: i + 1, text: line.trim() });
    // "RFC 2831 §2.1.2.1" cites another document, not ours.
    for (const m of line.matchAll(/(?<!RFC \d+ )§(\d+(?:\.\d+)*)/g)) {
      if (m[1] && !known.has(m[1])) out.push({ file, line: i + 1, text: `§${m[1]}: ${line.trim()}` });
    }
  });
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|mts|mjs|js|md)$/.test(f))
    .map((f) => join(dir, f));
}

const known = sections(readFileSync(protocolDoc, "utf8"));

test("PROTOCOL.md has numbered sections, and the checker catches bad citations", () => {
  for (const s of ["1.1", "2.4", "3.2", "4.3", "5", "6.6", "7.13", "8", "9.1", "9.2"]) {
    assert.ok(known.has(s), `§${s} exists`);
  }
  assert.equal(problems("x.ts", "// fine (PROTOCOL.md §4.2)", known).length, 0);
  assert.equal(problems("x.ts", "// gone (PROTOCOL.md §99.1)", known).length, 1);
  assert.equal(problems("x.ts", "// stale (reference §4.2)", known).length, 1);
  assert.equal(problems("x.ts", "// RFC 2831 §2.1.2.1 is another document", known).length, 0);
});

test("every § citation in src/, docs/ and test/ names a section of docs/PROTOCOL.md", () => {
  const files = ["src", "docs", "test"].flatMap(filesUnder).filter((f) => f !== self);
  assert.ok(files.length > 100, "the walk found the source tree");
  const found = files.flatMap((f) => problems(f, readFileSync(join(root, f), "utf8"), known));
  assert.deepEqual(
    found.map((p) => `${p.file}:${p.line} ${p.text}`),
    [],
  );
});

test("README and docs/ARCHITECTURE.md link PROTOCOL.md", () => {
  assert.match(readFileSync(join(root, "README.md"), "utf8"), /\(docs\/PROTOCOL\.md\)/);
  assert.match(readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8"), /\(PROTOCOL\.md\)/);
});
