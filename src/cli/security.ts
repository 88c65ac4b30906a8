/**
 * TLS and SASL flags for every command that connects: `--tls-ca/--tls-cert/--tls-key <pem file>` and
 * `--sasl-user U --sasl-password-file F`, each with an OVERSEER_* environment variable. Files are read
 * when the client is built; an unreadable one is a usage error naming the flag and the file.
 */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { CREATOR_ALL_ACL, type ClientOptions } from "../client/index.js";
import { CliError, ExitCode } from "./cli-error.js";

export interface SecurityFlags {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  saslUser?: string;
  saslPasswordFile?: string;
  acl?: string;
}

export function addSecurityOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--tls-ca <pem>", "connect with TLS, trusting the CA certificate(s) in this PEM file").env(
        "OVERSEER_TLS_CA",
      ),
    )
    .addOption(
      new Option(
        "--tls-cert <pem>",
        "TLS client certificate (PEM file; also authenticates as x509:<subject>)",
      ).env("OVERSEER_TLS_CERT"),
    )
    .addOption(new Option("--tls-key <pem>", "private key of --tls-cert (PEM file)").env("OVERSEER_TLS_KEY"))
    .addOption(new Option("--sasl-user <user>", "SASL DIGEST-MD5 user name").env("OVERSEER_SASL_USER"))
    .addOption(
      new Option("--sasl-password-file <file>", "file holding the SASL password (one line)").env(
        "OVERSEER_SASL_PASSWORD_FILE",
      ),
    )
    .addOption(
      new Option(
        "--acl <kind>",
        "ACL of the znodes created: open (anyone) or creator (only this client's sasl:/x509: identities)",
      )
        .choices(["open", "creator"])
        .env("OVERSEER_ACL"),
    );
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError(`cannot read ${flag} file "${path}": ${why}`, ExitCode.usage);
  }
}

/** The client's `tls` and `sasl` options from the flags (none when no flag is given). */
export function securityOptions(flags: SecurityFlags): Pick<ClientOptions, "tls" | "sasl" | "defaultAcl"> {
  const out: Pick<ClientOptions, "tls" | "sasl" | "defaultAcl"> = {};
  const { tlsCa, tlsCert, tlsKey, saslUser, saslPasswordFile } = flags;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new CliError("--tls-cert and --tls-key go together", ExitCode.usage);
  if (tlsCa !== undefined || tlsCert !== undefined) {
    out.tls = {
      ...(tlsCa !== undefined ? { ca: readFlagFile("--tls-ca", tlsCa) } : {}),
      ...(tlsCert !== undefined && tlsKey !== undefined
        ? { cert: readFlagFile("--tls-cert", tlsCert), key: readFlagFile("--tls-key", tlsKey) }
        : {}),
    };
  }
  if ((saslUser === undefined) !== (saslPasswordFile === undefined))
    throw new CliError("--sasl-user and --sasl-password-file go together", ExitCode.usage);
  if (saslUser !== undefined && saslPasswordFile !== undefined) {
    // The password is the file's first line (a trailing newline is not part of it).
    const password = readFlagFile("--sasl-password-file", saslPasswordFile).split(/\r?\n/)[0] ?? "";
    out.sasl = { username: saslUser, password };
  }
  if (flags.acl === "creator") {
    if (out.sasl === undefined && tlsCert === undefined)
      throw new CliError("--acl creator needs an identity: --sasl-user or --tls-cert", ExitCode.usage);
    out.defaultAcl = CREATOR_ALL_ACL;
  }
  return out;
}
