/** Turns failures that reach the top of the CLI into a message that says what to do, and an exit code. */
import { CommanderError } from "commander";
import { CliError } from "./connection.js";

interface SystemError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  // commander has already printed its own message (unknown option, missing argument…).
  if (err instanceof CommanderError) return { message: "", exitCode: err.exitCode === 0 ? 0 : 2 };
  if (!(err instanceof Error)) return { message: String(err), exitCode: 1 };
  const e = err as SystemError;
  switch (e.code) {
    case "EADDRINUSE":
      return {
        message: `${e.address ?? "address"}:${e.port ?? "?"} is already in use. Stop the other server, or pick another port with --port (0 picks a free one).`,
        exitCode: 2,
      };
    case "EACCES":
      return {
        message: `permission denied: ${e.message}. Ports below 1024 need root; use a higher --port, or check the data directory's permissions.`,
        exitCode: 2,
      };
    default:
      return { message: e.message, exitCode: 1 };
  }
}
