/** `overseer server`: run the embedded ZooKeeper-compatible server until SIGINT/SIGTERM. */
import { InvalidArgumentError, type Command } from "commander";
import { startServer, DEFAULT_PORT } from "../../server/index.js";

function integer(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

interface ServerFlags {
  port: number;
  host: string;
  dataDir?: string;
  tickTime?: number;
  "4lw"?: string;
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the embedded single-node ZooKeeper-compatible server")
    .option("-p, --port <port>", "client port (0 = ephemeral)", integer("--port"), DEFAULT_PORT)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("-d, --data-dir <dir>", "data directory (recorded; the server is in-memory for now)")
    .option("--tick-time <ms>", "tick time in ms", integer("--tick-time"))
    .option("--4lw <list>", 'comma-separated four-letter-word whitelist ("*" = all)')
    .action(async (flags: ServerFlags) => {
      const server = await startServer({
        port: flags.port,
        host: flags.host,
        dataDir: flags.dataDir,
        tickTime: flags.tickTime,
        fourLetterWords: flags["4lw"],
      });
      console.log(`overseer server listening on ${server.connectString}`);
      const stop = (signal: string): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        server.close().then(
          () => console.error(`stopped (${signal})`),
          (err: unknown) => {
            console.error(err);
            process.exitCode = 1;
          },
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
}
