/**
 * JAAS login configuration files, as Java reads them for `-Djava.security.auth.login.config`:
 *
 *   Server {
 *     org.apache.zookeeper.server.auth.DigestLoginModule required
 *     user_bob="bobsecret";
 *   };
 *
 * Sections hold login-module entries (`<class> <flag> key=value… ;`); values are quoted strings
 * (backslash escapes) or bare words; `//` and `/* … *\/` comments. Like Apache's
 * SaslServerCallbackHandler, the DIGEST-MD5 users are the `user_<name>` options of every entry
 * in the server's section.
 */

import { readFile } from "node:fs/promises";
import { SaslAuthenticator } from "./sasl.js";
import type { ResolvedSecurity } from "./security-options.js";

export class JaasConfigError extends Error {
  override readonly name = "JaasConfigError";
}

export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

export type JaasConfig = ReadonlyMap<string, readonly JaasEntry[]>;

const FLAGS = new Set(["required", "requisite", "sufficient", "optional"]);
const DIGEST_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const fail = (msg: string): never => {
    throw new JaasConfigError(`line ${line}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i] ?? "";
    if (c === "\n") line++;
    if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith("//", i) || c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) fail("unterminated comment");
      for (let k = i; k < end; k++) if (src[k] === "\n") line++;
      i = end + 2;
    } else if ("{};=".includes(c)) {
      out.push({ text: c, quoted: false, line });
      i++;
    } else if (c === '"') {
      let s = "";
      const start = line;
      for (i++; ; i++) {
        const d = src[i];
        if (d === undefined) fail("unterminated string");
        else if (d === '"') break;
        else if (d === "\\") {
          const e = src[++i];
          s += e === "n" ? "\n" : e === "t" ? "\t" : (e ?? "");
        } else {
          if (d === "\n") line++;
          s += d;
        }
      }
      i++;
      out.push({ text: s, quoted: true, line: start });
    } else {
      const m = /^[^\s{};="]+/.exec(src.slice(i));
      const word = m?.[0] ?? c;
      out.push({ text: word, quoted: false, line });
      i += word.length;
    }
  }
  return out;
}

/** Parse a JAAS file's text; throws JaasConfigError naming the line of the first mistake. */
export function parseJaas(text: string): JaasConfig {
  const toks = tokenize(text);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const next = (what: string): Token => {
    const t = toks[p++];
    if (t === undefined) throw new JaasConfigError(`unexpected end of file (expected ${what})`);
    return t;
  };
  const expect = (sym: string): void => {
    const t = next(`"${sym}"`);
    if (t.quoted || t.text !== sym)
      throw new JaasConfigError(`line ${t.line}: expected "${sym}", got ${JSON.stringify(t.text)}`);
  };
  const word = (what: string): Token => {
    const t = next(what);
    if (!t.quoted && "{};=".includes(t.text))
      throw new JaasConfigError(`line ${t.line}: expected ${what}, got "${t.text}"`);
    return t;
  };
  const sections = new Map<string, JaasEntry[]>();
  while (peek() !== undefined) {
    const name = word("a section name").text;
    expect("{");
    const entries = sections.get(name) ?? [];
    while (peek()?.text !== "}" || peek()?.quoted === true) {
      const loginModule = word("a login module class").text;
      const flagTok = word("a control flag");
      const flag = flagTok.text.toLowerCase();
      if (!FLAGS.has(flag))
        throw new JaasConfigError(
          `line ${flagTok.line}: control flag must be required, requisite, sufficient or optional, got ${JSON.stringify(flagTok.text)}`,
        );
      const options = new Map<string, string>();
      while (peek()?.text !== ";" || peek()?.quoted === true) {
        const key = word("an option name").text;
        expect("=");
        options.set(key, word("an option value").text);
      }
      expect(";");
      entries.push({ loginModule, flag, options });
    }
    expect("}");
    expect(";");
    sections.set(name, entries);
  }
  return sections;
}

/**
 * The DIGEST-MD5 users (name → password) of `section`. Throws JaasConfigError if the section is
 * missing (Apache refuses to start then) or has a login module other than DigestLoginModule.
 */
export function digestUsers(config: JaasConfig, section: string, file: string): Map<string, string> {
  const entries = config.get(section);
  if (entries === undefined)
    throw new JaasConfigError(`no JAAS configuration section named '${section}' was found in '${file}'`);
  const users = new Map<string, string>();
  for (const e of entries) {
    if (e.loginModule !== DIGEST_MODULE)
      throw new JaasConfigError(
        `section '${section}': only ${DIGEST_MODULE} is supported, got ${e.loginModule}`,
      );
    for (const [k, v] of e.options) if (k.startsWith("user_")) users.set(k.slice("user_".length), v);
  }
  return users;
}

/** Read the JAAS file of `security` (if any) into a SaslAuthenticator; null when SASL is off. */
export async function loadSasl(security: ResolvedSecurity): Promise<SaslAuthenticator | null> {
  const file = security.jaasConfigFile;
  if (file === null) return null;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new JaasConfigError(`cannot read JAAS configuration ${file}: ${(err as Error).message}`);
  }
  let config: JaasConfig;
  try {
    config = parseJaas(text);
  } catch (err) {
    if (err instanceof JaasConfigError) throw new JaasConfigError(`${file}: ${err.message}`);
    throw err;
  }
  return new SaslAuthenticator(digestUsers(config, security.saslLoginContext, file));
}
