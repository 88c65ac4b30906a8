/**
 * How every client-side command reaches ZooKeeper: `--connect` (or OVERSEER_CONNECT), `--root`,
 * `--connect-timeout`, and a failure message that says what to do when nothing answers.
 */
import { Option, type Command } from "commander";
import {
  AuthFailedError,
  InvalidArgumentError,
  OperationTimeoutError,
  TlsError,
  ZooKeeperClient,
} from "../client/index.js";
import { CliError, ExitCode } from "./cli-error.js";
import { addSecurityOptions, securityOptions, type SecurityFlags } from "./security.js";

export const DEFAULT_CONNECT = "127.0.0.1:2181";

export interface ConnectionFlags extends SecurityFlags {
  connect: string;
  root?: string;
  connectTimeout: number;
  json?: boolean;
}

export { CliError, ExitCode } from "./cli-error.js";

/** `--root` only for commands that work on overseer's layout; raw `zk` commands take absolute paths. */
export function addConnectionOptions(cmd: Command, opts: { root: boolean } = { root: true }): Command {
  if (opts.root) {
    cmd.addOption(
      new Option("--root <path>", "overseer's root znode (several clusters can share one ensemble)").default(
        "/",
      ),
    );
  }
  cmd
    .addOption(
      new Option("--connect <hosts>", "ZooKeeper connect string host:port[,host:port][/chroot]")
        .env("OVERSEER_CONNECT")
        .default(DEFAULT_CONNECT),
    )
    .addOption(
      new Option("--connect-timeout <ms>", "give up connecting after this long")
        .default(5000)
        .argParser((v) => positiveInt("--connect-timeout", v)),
    )
    .option("--json", "print machine-readable JSON");
  return addSecurityOptions(cmd);
}

export function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw new CliError(`${name} must be a positive integer, got "${v}"`, ExitCode.usage);
  return Number(v);
}

export function nonNegativeInt(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new CliError(`${name} must be an integer ≥ 0, got "${v}"`, ExitCode.usage);
  return Number(v);
}

/** Connect, or fail with a message that names the address and the two ways out. */
export async function openClient(flags: ConnectionFlags, sessionTimeout = 10_000): Promise<ZooKeeperClient> {
  const client = new ZooKeeperClient({
    connectString: flags.connect,
    connectTimeout: flags.connectTimeout,
    sessionTimeout,
    ...securityOptions(flags),
  });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.close();
    throw connectFailure(err, flags);
  }
}

/** The CLI's message for a failed connect: unreachable, refused credentials, TLS trouble, bad options. */
export function connectFailure(err: unknown, flags: ConnectionFlags): unknown {
  if (err instanceof OperationTimeoutError) {
    const last = err.cause instanceof Error ? ` Last attempt: ${err.cause.message}.` : "";
    return new CliError(
      `cannot reach ZooKeeper at ${flags.connect} (no answer within ${flags.connectTimeout} ms).${last} ` +
        `Start one with \`overseer server\`, or point --connect / OVERSEER_CONNECT at your ensemble.`,
      ExitCode.unreachable,
    );
  }
  if (err instanceof TlsError || err instanceof AuthFailedError)
    return new CliError(`${err.message} (check --tls-* / --sasl-* flags)`, ExitCode.failed);
  if (err instanceof InvalidArgumentError) return new CliError(err.message, ExitCode.usage);
  return err;
}

/** Run `body` with a connected client and always close it. */
export async function withClient<T>(
  flags: ConnectionFlags,
  body: (c: ZooKeeperClient) => Promise<T>,
): Promise<T> {
  const client = await openClient(flags);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}
