/**
 * Connect strings as the Java client accepts them: `host1:port1,host2:port2[/chroot]`. A missing
 * port means 2181; IPv6 hosts go in brackets (`[::1]:2181`). A chroot of "/" means none.
 */
import { pathProblem } from "../protocol/index.js";
import { InvalidArgumentError } from "./errors.js";

export const DEFAULT_PORT = 2181;

export interface HostPort {
  host: string;
  port: number;
}

export interface ConnectString {
  hosts: HostPort[];
  /** Prefix prepended to every path, or null. Never ends with "/". */
  chroot: string | null;
}

function parseHost(entry: string, raw: string): HostPort {
  const bad = (why: string): InvalidArgumentError =>
    new InvalidArgumentError("connectString", `${why} in "${raw}"`);
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    if (close < 0) throw bad(`unterminated IPv6 address "${entry}"`);
    host = entry.slice(1, close);
    const after = entry.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw bad(`unexpected "${after}" after IPv6 address`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = entry.lastIndexOf(":");
    if (colon >= 0 && entry.indexOf(":") !== colon) throw bad(`IPv6 address "${entry}" must be in brackets`);
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
  }
  if (host === "") throw bad("empty host");
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw bad(`invalid port "${portText}"`);
    port = Number(portText);
    if (port < 1 || port > 65535) throw bad(`port ${port} out of range`);
  }
  return { host, port };
}

export function parseConnectString(raw: string): ConnectString {
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new InvalidArgumentError("connectString", "must be a non-empty string");
  }
  const text = raw.trim();
  // The chroot starts at the first "/" (hosts never contain one).
  const slash = text.indexOf("/");
  const hostPart = slash < 0 ? text : text.slice(0, slash);
  let chroot: string | null = slash < 0 ? null : text.slice(slash);
  if (chroot !== null) {
    const problem = pathProblem(chroot);
    if (problem !== null)
      throw new InvalidArgumentError("connectString", `invalid chroot "${chroot}": ${problem}`);
    if (chroot === "/") chroot = null;
  }
  const hosts = hostPart
    .split(",")
    .map((h) => h.trim())
    .map((h) => {
      if (h === "") throw new InvalidArgumentError("connectString", `empty host entry in "${raw}"`);
      return parseHost(h, raw);
    });
  return { hosts, chroot };
}

export function formatHost(h: HostPort): string {
  return h.host.includes(":") ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

/** Client path → server path under `chroot`. */
export function prefixPath(chroot: string | null, path: string): string {
  if (chroot === null) return path;
  return path === "/" ? chroot : chroot + path;
}

/** Server path → client path (chroot stripped); paths outside the chroot are returned unchanged. */
export function stripPath(chroot: string | null, path: string): string {
  if (chroot === null || !path.startsWith(chroot)) return path;
  if (path.length === chroot.length) return "/";
  return path.charCodeAt(chroot.length) === 0x2f ? path.slice(chroot.length) : path;
}
