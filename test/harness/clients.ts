/**
 * The one way tests open a ZooKeeperClient: `client(target, opts)` connects with a short session and
 * closes the client when the test file ends (or, given a TestContext as `opts.t`, when that test
 * ends). `cleanup(fn)` queues any other teardown on the same LIFO list, so a master or worker closed
 * there closes before the client it runs on. `clientWith(defaults)` makes a suite's own `client()`
 * with its defaults (session timeout, unchecked arguments) without copying the rest.
 */
import { after, type TestContext } from "node:test";
import {
  SessionExpiredError,
  ZooKeeperClient,
  type ClientOptions,
  type StateEvent,
} from "../../src/client/index.js";

/** Default session timeout of test clients (ms): short, so expiry tests stay quick. */
export const SESSION_TIMEOUT = 2000;

export interface TestClientOptions extends Partial<ClientOptions> {
  /** Close at the end of this test instead of the end of the file. */
  t?: TestContext;
}

/** Anything with a connect string: a Backend, an ensemble, a proxy. */
export type ClientTarget = { readonly connectString: string } | string;

/** Teardown queued for the end of the file; `background` ones (client closes) are not waited for in turn. */
const closers: { fn: () => Promise<void>; background: boolean }[] = [];
after(async () => {
  // Last in, first out; a client's close only starts in turn (it may wait out a stopped server's
  // silence), and all of them are awaited together at the end.
  const closing: Promise<void>[] = [];
  for (const { fn, background } of closers.splice(0).reverse()) {
    const p = fn().catch(() => undefined);
    if (background) closing.push(p);
    else await p;
  }
  await Promise.all(closing);
});

/** Runs `fn` after the file's tests (LIFO, even if a test failed), or after test `t` when given. */
export function cleanup(fn: () => Promise<void>, t?: TestContext): void {
  queue(fn, false, t);
}

function queue(fn: () => Promise<void>, background: boolean, t: TestContext | undefined): void {
  if (t === undefined) closers.push({ fn, background });
  else t.after(() => fn().catch(() => undefined));
}

/** A connected client, closed by `cleanup` (see the module comment). */
export async function client(target: ClientTarget, opts: TestClientOptions = {}): Promise<ZooKeeperClient> {
  const { t, ...rest } = opts;
  const c = new ZooKeeperClient({
    connectString: typeof target === "string" ? target : target.connectString,
    sessionTimeout: SESSION_TIMEOUT,
    connectTimeout: 10_000,
    ...rest,
  });
  queue(() => c.close(), true, t);
  await c.connect();
  return c;
}

/** `client()` with other defaults, for a suite whose tests all want them. */
export function clientWith(
  defaults: Partial<ClientOptions>,
): (target: ClientTarget, opts?: TestClientOptions) => Promise<ZooKeeperClient> {
  return (target, opts = {}) => client(target, { ...defaults, ...opts });
}

/**
 * Resolves once `c` reports its session lost to expiry (rejects after `ms`). Subscribe before
 * causing the expiry; a client already lost resolves at once.
 */
export function sessionLost(c: ZooKeeperClient, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (c.state === "lost") return resolve();
    const timer = setTimeout(() => {
      c.off("state", listener);
      reject(new Error(`session 0x${c.sessionId.toString(16)} not reported lost within ${ms} ms`));
    }, ms);
    const listener = (e: StateEvent): void => {
      if (e.type !== "lost" && e.type !== "closed") return;
      clearTimeout(timer);
      c.off("state", listener);
      if (e.type === "lost" && e.reason instanceof SessionExpiredError) resolve();
      else reject(new Error(`expected an expiry, got ${e.type === "lost" ? String(e.reason) : "closed"}`));
    };
    c.on("state", listener);
  });
}
