/** node-zookeeper-client (CommonJS, 44-byte handshake, xid 0) against the embedded server. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { startServer, type RunningServer } from "../../src/server/index.js";

interface NzcEvent {
  getType(): number;
  getPath(): string;
}
interface NzcStat {
  version: number;
}
type Cb<T> = (err: Error | null, result: T) => void;
interface NzcTransaction {
  create(path: string, data?: Buffer): NzcTransaction;
  setData(path: string, data: Buffer, version?: number): NzcTransaction;
  check(path: string, version: number): NzcTransaction;
  remove(path: string, version?: number): NzcTransaction;
  commit(cb: Cb<{ type: number; err: number }[]>): void;
}
interface NzcClient {
  connect(): void;
  close(): void;
  once(event: "connected", cb: () => void): void;
  getSessionId(): Buffer;
  create(path: string, data: Buffer, mode: number, cb: Cb<string>): void;
  getData(
    path: string,
    watcher: ((e: NzcEvent) => void) | undefined,
    cb: (err: Error | null, data: Buffer, stat: NzcStat) => void,
  ): void;
  setData(path: string, data: Buffer, version: number, cb: Cb<NzcStat>): void;
  remove(path: string, version: number, cb: (err: Error | null) => void): void;
  exists(path: string, cb: Cb<NzcStat | null>): void;
  getChildren(path: string, watcher: (e: NzcEvent) => void, cb: Cb<string[]>): void;
  transaction(): NzcTransaction;
}
interface Nzc {
  createClient(connectString: string, opts: { sessionTimeout: number }): NzcClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number };
  Event: { NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
  Exception: { NODE_EXISTS: number };
}

const nzc = createRequire(import.meta.url)("node-zookeeper-client") as Nzc;

function call<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

describe("node-zookeeper-client", () => {
  let server: RunningServer;
  let client: NzcClient;
  before(async () => {
    server = await startServer({ port: 0 });
    client = nzc.createClient(server.connectString, { sessionTimeout: 10000 });
    const connected = new Promise<void>((resolve) => client.once("connected", resolve));
    client.connect();
    await connected;
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("create, get, set, delete", async () => {
    assert.equal(
      await call<string>((cb) => client.create("/n", Buffer.from("v1"), nzc.CreateMode.PERSISTENT, cb)),
      "/n",
    );
    const [data, stat] = await new Promise<[Buffer, NzcStat]>((resolve, reject) =>
      client.getData("/n", undefined, (err, d, s) => (err ? reject(err) : resolve([d, s]))),
    );
    assert.equal(data.toString(), "v1");
    assert.equal(stat.version, 0);
    const s2 = await call<NzcStat>((cb) => client.setData("/n", Buffer.from("v2"), 0, cb));
    assert.equal(s2.version, 1);
    await assert.rejects(
      call<string>((cb) => client.create("/n", Buffer.from(""), nzc.CreateMode.PERSISTENT, cb)),
      (e: unknown) => (e as { code?: number }).code === nzc.Exception.NODE_EXISTS,
    );
    await new Promise<void>((resolve, reject) =>
      client.remove("/n", 1, (err) => (err ? reject(err) : resolve())),
    );
    assert.equal(await call<NzcStat | null>((cb) => client.exists("/n", cb)), null);
  });

  test("sequential and ephemeral modes", async () => {
    await call<string>((cb) => client.create("/seq", Buffer.alloc(0), nzc.CreateMode.PERSISTENT, cb));
    const p = await call<string>((cb) =>
      client.create("/seq/t-", Buffer.alloc(0), nzc.CreateMode.PERSISTENT_SEQUENTIAL, cb),
    );
    assert.equal(p, "/seq/t-0000000000");
    await call<string>((cb) => client.create("/eph", Buffer.alloc(0), nzc.CreateMode.EPHEMERAL, cb));
  });

  test("transaction commits atomically and reports the failing op", async () => {
    const ok = await call((cb: Cb<{ type: number; err: number }[]>) =>
      client.transaction().create("/tx").create("/tx/a").setData("/tx", Buffer.from("x"), 0).commit(cb),
    );
    assert.equal(ok.length, 3);
    await assert.rejects(
      call((cb: Cb<{ type: number; err: number }[]>) =>
        client.transaction().create("/tx2").check("/tx", 99).commit(cb),
      ),
    );
    assert.equal(await call<NzcStat | null>((cb) => client.exists("/tx2", cb)), null);
  });

  test("one-shot data and child watches fire", async () => {
    await call<string>((cb) => client.create("/w", Buffer.from("a"), nzc.CreateMode.PERSISTENT, cb));
    const dataEvent = new Promise<NzcEvent>((resolve) => client.getData("/w", resolve, () => undefined));
    const childEvent = new Promise<NzcEvent>((resolve) => client.getChildren("/w", resolve, () => undefined));
    await call<NzcStat>((cb) => client.setData("/w", Buffer.from("b"), -1, cb));
    await call<string>((cb) => client.create("/w/k", Buffer.alloc(0), nzc.CreateMode.PERSISTENT, cb));
    const [d, c] = await Promise.all([dataEvent, childEvent]);
    assert.equal(d.getType(), nzc.Event.NODE_DATA_CHANGED);
    assert.equal(d.getPath(), "/w");
    assert.equal(c.getType(), nzc.Event.NODE_CHILDREN_CHANGED);
    assert.equal(c.getPath(), "/w");
  });
});
