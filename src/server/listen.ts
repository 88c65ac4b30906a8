/** Binding a listener (plain or TLS) and learning the port it got. */
import type { Server } from "node:net";
import type { Logger } from "./logger.js";

/** Listen on `host:port` (0 = ephemeral); resolves with the bound port. Later errors are logged. */
export async function bind(listener: Server, port: number, host: string, logger: Logger): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  listener.on("error", (err) => logger.error({ err }, "listener error"));
  const addr = listener.address();
  return typeof addr === "object" && addr !== null ? addr.port : port;
}

/** Close a listener and wait for it. */
export function unbind(listener: Server): Promise<void> {
  return new Promise((resolve) => listener.close(() => resolve()));
}
