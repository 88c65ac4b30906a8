/** Value parsing shared by the zoo.cfg key tables; a bad value throws ConfigError naming the key. */

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly key: string,
    readonly value: string,
    readonly line: number,
    expected: string,
  ) {
    super(`line ${line}: invalid value for ${key}: ${JSON.stringify(value)} (expected ${expected})`);
  }
}

export function int(
  v: string,
  fail: (expected: string) => never,
  min: number,
  what = `an integer ≥ ${min}`,
): number {
  const n = /^-?\d+$/.test(v) ? Number(v) : /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : NaN;
  if (!Number.isSafeInteger(n) || n < min) fail(what);
  return n;
}

export function bool(v: string, fail: (expected: string) => never): boolean {
  const s = v.toLowerCase();
  if (s === "yes" || s === "true") return true;
  if (s === "no" || s === "false") return false;
  return fail("yes/no or true/false");
}
