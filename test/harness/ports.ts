import { createServer } from "node:net";

/** Host every harness binds to and connects to. Tests never leave the loopback interface. */
export const LOOPBACK = "127.0.0.1";

/**
 * Asks the kernel for a currently free TCP port on 127.0.0.1.
 *
 * The port is released before this resolves, so another process may grab it in between; callers that start
 * an external server on it should retry with a fresh port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`unexpected server address: ${String(address)}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
