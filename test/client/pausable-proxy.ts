/**
 * A TCP proxy whose links can be cut and whose door can be shut: `cut()` destroys every open link,
 * `block()` makes new connections close at once (the client sees a refused server), `unblock()` reopens,
 * `swallow(n)` accepts the next n connections and never answers them (a server that is still starting).
 */
import net from "node:net";

export interface PausableProxy {
  readonly connectString: string;
  readonly accepted: number;
  cut(): void;
  /** Stop forwarding bytes on open links without closing them (a hung server or a partition). */
  freeze(): void;
  block(): void;
  unblock(): void;
  swallow(connections: number): void;
  close(): Promise<void>;
}

export function startPausableProxy(targetHost: string, targetPort: number): Promise<PausableProxy> {
  const sockets = new Set<net.Socket>();
  let blocked = false;
  const links: { inbound: net.Socket; outbound: net.Socket }[] = [];
  let accepted = 0;
  let toSwallow = 0;
  const server = net.createServer((inbound) => {
    if (blocked) {
      inbound.destroy();
      return;
    }
    accepted++;
    if (toSwallow > 0) {
      toSwallow--;
      sockets.add(inbound);
      inbound.on("error", () => undefined);
      inbound.on("close", () => sockets.delete(inbound));
      return;
    }
    const outbound = net.connect({ host: targetHost, port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    links.push({ inbound, outbound });
  });
  const cut = (): void => {
    for (const s of sockets) s.destroy();
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        connectString: `127.0.0.1:${addr.port}`,
        get accepted() {
          return accepted;
        },
        cut,
        freeze: () => {
          for (const { inbound, outbound } of links.splice(0)) {
            inbound.unpipe(outbound);
            outbound.unpipe(inbound);
            inbound.pause();
            outbound.pause();
          }
        },
        block: () => void (blocked = true),
        unblock: () => void (blocked = false),
        swallow: (n) => void (toSwallow = n),
        close: () =>
          new Promise<void>((done) => {
            cut();
            server.close(() => done());
          }),
      });
    });
  });
}
