/** `overseer server`: run the embedded ZooKeeper-compatible server until SIGINT/SIGTERM. */
import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import {
  ConfigError,
  InvalidArgumentError as ServerOptionError,
  parseConfig,
  startServer,
  DEFAULT_PORT,
  JaasConfigError,
  type ClientAuth,
  type ServerOptions,
  type TlsServerOptions,
} from "../../server/index.js";
import { createLogger } from "../logger.js";

function integer(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

interface ServerFlags {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  tickTime?: number;
  "4lw"?: string;
  securePort?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  clientAuth?: string;
  jaas?: string;
  define: string[];
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/**
 * `-Dzookeeper.<key>=<value>` means what `<key>=<value>` means in zoo.cfg (Apache turns zoo.cfg keys into
 * those system properties); `-Djava.security.auth.login.config=<file>` names the JAAS file.
 */
function defines(list: readonly string[]): ServerOptions {
  const lines = list.map((d) => {
    const eq = d.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`-D expects <property>=<value>, got ${JSON.stringify(d)}`);
    const key = d.slice(0, eq);
    return `${key.startsWith("zookeeper.") ? key.slice("zookeeper.".length) : key}=${d.slice(eq + 1)}`;
  });
  let parsed;
  try {
    parsed = parseConfig(lines.join("\n"));
  } catch (err) {
    if (err instanceof ConfigError)
      throw new InvalidArgumentError(`-D${err.message.replace(/^line \d+: /, " ")}`);
    throw err;
  }
  for (const w of parsed.warnings) console.error(`overseer: warning: -D: ${w.replace(/^line \d+: /, "")}`);
  return parsed.options;
}

/** --secure-port and the --tls-* flags, over whatever zoo.cfg said about TLS. */
function tlsOptions(flags: ServerFlags, base: TlsServerOptions | undefined): TlsServerOptions | undefined {
  const given = [flags.securePort, flags.tlsCert, flags.tlsKey, flags.tlsCa, flags.clientAuth].some(
    (v) => v !== undefined,
  );
  if (!given) return base;
  const port = flags.securePort ?? base?.port;
  const certFile = flags.tlsCert ?? base?.certFile;
  const keyFile = flags.tlsKey ?? base?.keyFile;
  if (port === undefined || certFile === undefined || keyFile === undefined)
    throw new InvalidArgumentError("a TLS listener needs --secure-port, --tls-cert and --tls-key");
  const caFile = flags.tlsCa ?? base?.caFile;
  const clientAuth = flags.clientAuth ?? base?.clientAuth;
  if (clientAuth !== undefined && !["need", "want", "none"].includes(clientAuth))
    throw new InvalidArgumentError(
      `--client-auth must be need, want or none, got ${JSON.stringify(clientAuth)}`,
    );
  return {
    ...base,
    port,
    certFile,
    keyFile,
    ...(caFile === undefined ? {} : { caFile }),
    ...(clientAuth === undefined ? {} : { clientAuth: clientAuth as ClientAuth }),
  };
}

/** zoo.cfg first, then flags given on the command line override it. */
function resolveOptions(flags: ServerFlags): ServerOptions {
  let opts: ServerOptions = {};
  if (flags.config !== undefined) {
    const parsed = parseConfig(readFileSync(flags.config, "utf8"));
    for (const w of parsed.warnings) console.error(`overseer: warning: ${flags.config}: ${w}`);
    opts = { ...parsed.options };
  }
  opts = { ...opts, ...defines(flags.define) };
  const override = <K extends keyof ServerOptions>(key: K, v: ServerOptions[K] | undefined): void => {
    if (v !== undefined) opts[key] = v;
  };
  override("port", flags.port);
  override("host", flags.host);
  override("dataDir", flags.dataDir);
  override("tickTime", flags.tickTime);
  override("fourLetterWords", flags["4lw"]);
  override("tls", tlsOptions(flags, opts.tls));
  override("jaasConfigFile", flags.jaas);
  return { ...opts, port: opts.port ?? DEFAULT_PORT };
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the embedded single-node ZooKeeper-compatible server")
    .option("-c, --config <file>", "ZooKeeper-style zoo.cfg (command-line flags override it)")
    .option("-p, --port <port>", `client port (0 = ephemeral; default ${DEFAULT_PORT})`, integer("--port"))
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option(
      "-d, --data-dir <dir>",
      "data directory: txn log + snapshots (without it the server is in-memory)",
    )
    .option("--tick-time <ms>", "tick time in ms", integer("--tick-time"))
    .option("--4lw <list>", 'comma-separated four-letter-word whitelist ("*" = all)')
    .option(
      "--secure-port <port>",
      "TLS client port beside the plain one (0 = ephemeral)",
      integer("--secure-port"),
    )
    .option("--tls-cert <pem>", "server certificate (chain), PEM")
    .option("--tls-key <pem>", "server private key, PEM")
    .option("--tls-ca <pem>", "CA certificates that client certificates must chain to, PEM")
    .option("--client-auth <mode>", "client certificates: need | want | none (default need with --tls-ca)")
    .option(
      "--jaas <file>",
      'JAAS file whose Server section lists SASL DIGEST-MD5 users (user_<name>="<password>")',
    )
    .option(
      "-D, --define <property=value>",
      "Apache-style property, e.g. -Djava.security.auth.login.config=jaas.conf, -Dzookeeper.enforce.auth.enabled=true",
      collect,
      [],
    )
    .action(async (flags: ServerFlags) => {
      let opts: ServerOptions;
      let server;
      try {
        opts = resolveOptions(flags);
        server = await startServer({ ...opts, logger: createLogger("server") });
      } catch (err) {
        // A bad configuration is the user's to fix: name it and exit 2, without a stack trace.
        if (
          err instanceof ConfigError ||
          err instanceof ServerOptionError ||
          err instanceof JaasConfigError ||
          err instanceof InvalidArgumentError
        ) {
          console.error(
            `overseer: ${flags.config !== undefined && err instanceof ConfigError ? `${flags.config}: ` : ""}${err.message}`,
          );
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      console.log(
        `overseer server listening on ${server.connectString}${server.secureConnectString !== null ? `, TLS on ${server.secureConnectString}` : ""}${opts.dataDir !== undefined ? ` (data dir ${opts.dataDir})` : " (in-memory)"}`,
      );
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
