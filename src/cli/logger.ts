/**
 * Structured logs for long-running commands: pino, human-readable (pino-pretty) when stderr is a
 * terminal, one JSON object per line otherwise. Logs go to stderr so stdout stays for command output.
 * Level: OVERSEER_LOG_LEVEL (trace|debug|info|warn|error|silent), default info.
 */
import { pino, type Logger as PinoLogger } from "pino";
import { PinoPretty } from "pino-pretty";

export type CliLogger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY. */
  pretty?: boolean;
  /** Where lines go; default stderr. */
  destination?: NodeJS.WritableStream;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

export function createLogger(name: string, opts: LoggerOptions = {}): CliLogger {
  const envLevel = process.env["OVERSEER_LOG_LEVEL"];
  const level = opts.level ?? (envLevel !== undefined && LEVELS.has(envLevel) ? envLevel : "info");
  const pretty = opts.pretty ?? process.stderr.isTTY === true;
  const destination = opts.destination ?? process.stderr;
  const stream = pretty
    ? PinoPretty({
        destination,
        colorize: destination === process.stderr,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname",
      })
    : destination;
  return pino({ name, level, base: { pid: process.pid } }, stream);
}
