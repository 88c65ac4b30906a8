/**
 * The page's files, read once at start. They live in src/dashboard/static (plain HTML, CSS and an ES
 * module: no bundler). From dist/ the same directory is found through the package root.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export interface StaticFile {
  type: string;
  body: Buffer;
}

const FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/index.html": ["index.html", "text/html; charset=utf-8"],
  "/app.mjs": ["app.mjs", "text/javascript; charset=utf-8"],
  "/charts.mjs": ["charts.mjs", "text/javascript; charset=utf-8"],
  "/schedules.mjs": ["schedules.mjs", "text/javascript; charset=utf-8"],
  "/style.css": ["style.css", "text/css; charset=utf-8"],
};

export function staticDir(): string {
  const candidates = [
    new URL("./static/", import.meta.url),
    new URL("../../src/dashboard/static/", import.meta.url),
  ];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(
    `dashboard page files not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(", ")})`,
  );
}

export async function loadStatic(dir = staticDir()): Promise<Map<string, StaticFile>> {
  const out = new Map<string, StaticFile>();
  for (const [route, [name, type]] of Object.entries(FILES))
    out.set(route, { type, body: await readFile(dir + name) });
  return out;
}
