import { createServer, type Server } from "node:net";

/** Host every harness binds to and connects to. Tests never leave the loopback interface. */
export const LOOPBACK = "127.0.0.1";

/**
 * Asks the kernel for a currently free TCP port on 127.0.0.1.
 *
 * The port is released before this resolves, so another process may grab it in between; callers that start
 * an external server on it should retry with a fresh port when the bind fails.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no port");
  return port;
}

/**
 * `n` distinct free ports: all are held open until every one is allocated, so the kernel cannot hand
 * the same port out twice (successive freePort() calls can: each is released before the next is asked
 * for, and an ensemble once got "Client and election port must be different"). Released before this
 * resolves, like freePort().
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const server = createServer();
      server.unref();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listenOnAnyPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string")
        reject(new Error(`unexpected server address: ${String(address)}`));
      else resolve(address.port);
    });
  });
}
