/** GroupMember and NodeCache on both servers: live view, own data, rejoin after session loss. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient } from "../../src/client/index.js";
import { GroupMember, NodeCache, type MemberEvent } from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, eventually, SESSION_TIMEOUT } from "./helpers.js";

function view(m: GroupMember): string[] {
  return [...m.members].map(([id, d]) => `${id}=${String(d)}`).sort();
}

forEachBackend("recipes: group membership and node cache", (backend) => {
  test("members see each other join, update and leave", async () => {
    const path = uniqueRoot("group");
    const a = new GroupMember(await client(backend()), { path, id: "a", data: "1" });
    const b = new GroupMember(await client(backend()), { path, id: "b", data: "2" });
    const events: string[] = [];
    a.on("change", (e: MemberEvent) => events.push(`${e.type} ${e.id}`));
    await a.start();
    await b.start();
    await eventually(() => view(a).length === 2, 5000, "a sees b");
    await b.setData("3");
    await eventually(() => view(a).includes("b=3"), 5000, "a sees b's data");
    await b.close();
    await eventually(() => view(a).length === 1, 5000, "a sees b leave");
    assert.deepEqual(events, ["joined a", "joined b", "updated b", "left b"]);
    await a.close();
  });

  test("with a client factory, a member rejoins with its data after its session expired", async () => {
    const path = uniqueRoot("group-rejoin");
    const made: ZooKeeperClient[] = [];
    const factory = async (): Promise<ZooKeeperClient> => {
      const c = new ZooKeeperClient({
        connectString: backend().connectString,
        sessionTimeout: SESSION_TIMEOUT,
      });
      made.push(c);
      return c.connect();
    };
    const m = new GroupMember(factory, { path, id: "w", data: "cap=1" });
    await m.start();
    await m.setData("cap=4");
    const observer = new GroupMember(await client(backend()), { path, id: "obs" });
    await observer.start();
    const left: string[] = [];
    observer.on("change", (e) => left.push(`${e.type} ${e.id}`));
    const first = made[0];
    assert.ok(first !== undefined);
    await backend().expireSession(first);
    await eventually(() => left.includes("left w"), 5000, "the observer to see the old session's member go");
    await eventually(() => view(observer).includes("w=cap=4"), 5000, "w to rejoin");
    assert.equal(made.length, 2);
    await eventually(() => view(m).join() === "obs=,w=cap=4", 5000, "w's own view");
    await m.close();
    await observer.close();
  });

  test("NodeCache follows a node through create, update, delete", async () => {
    const path = uniqueRoot("node-cache");
    const c = await client(backend());
    const cache = new NodeCache(c, { path });
    const seen: string[] = [];
    cache.on("change", (n) => seen.push(n === null ? "deleted" : String(n.data)));
    await cache.start();
    assert.equal(cache.current, null);
    await c.create(path, "1");
    await c.setData(path, "2");
    await c.delete(path);
    await eventually(() => seen.at(-1) === "deleted", 5000);
    assert.equal(seen[0], "1");
    await cache.close();
  });
});
