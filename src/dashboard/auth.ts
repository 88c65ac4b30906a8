/**
 * Who may see and act. Loopback without a token: anyone on this machine may look; actions are refused.
 * With a token: every API call and /metrics needs it (header `Authorization: Bearer <t>` or
 * `X-Overseer-Token`; GETs may also pass `?token=`, since EventSource cannot set headers); actions accept
 * the header only, so a link or a cross-site form can never trigger one. Binding a non-loopback
 * address without a token is refused at start.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

export class DashboardOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardOptionError";
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

export function checkBind(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < 8)
    throw new DashboardOptionError("the token must be at least 8 characters long");
  if (!isLoopback(host) && token === undefined)
    throw new DashboardOptionError(
      `refusing to bind ${host} without a token: anyone who can reach it could read every task and cancel them. ` +
        `Pass --token <secret> (or OVERSEER_DASHBOARD_TOKEN), or bind 127.0.0.1 and use an SSH tunnel.`,
    );
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function headerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers["authorization"];
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7).trim();
  const x = req.headers["x-overseer-token"];
  return typeof x === "string" ? x : undefined;
}

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; message: string };

export class Auth {
  constructor(
    private readonly token: string | undefined,
    private readonly loopback: boolean,
  ) {}

  /** Reads (API, SSE, metrics). */
  read(req: IncomingMessage, url: URL): AuthResult {
    const host = this.hostCheck(req);
    if (!host.ok || this.token === undefined) return host;
    const given = headerToken(req) ?? url.searchParams.get("token") ?? undefined;
    return given !== undefined && same(given, this.token)
      ? { ok: true }
      : { ok: false, status: 401, message: "this dashboard needs its token (Authorization: Bearer <token>)" };
  }

  /** Actions (POST): the token, in a header only. */
  act(req: IncomingMessage): AuthResult {
    const host = this.hostCheck(req);
    if (!host.ok) return host;
    if (this.token === undefined)
      return {
        ok: false,
        status: 401,
        message: "actions are disabled: this dashboard was started without --token",
      };
    const given = headerToken(req);
    return given !== undefined && same(given, this.token)
      ? { ok: true }
      : { ok: false, status: 401, message: "actions need the token in an Authorization: Bearer header" };
  }

  /**
   * On loopback, a Host other than a loopback name means a page elsewhere resolved its own name to
   * 127.0.0.1 (DNS rebinding) to read this dashboard from the user's browser: refuse it.
   */
  private hostCheck(req: IncomingMessage): AuthResult {
    if (!this.loopback) return { ok: true };
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    return isLoopback(host)
      ? { ok: true }
      : { ok: false, status: 403, message: `Host ${host} is not a loopback name` };
  }
}
