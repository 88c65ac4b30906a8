/** The logger type shared with the client (pino-compatible) and the silent default. */
import type { Logger } from "../client/index.js";

export type { Logger };

export const SILENT: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/**
 * Awaits a write whose failure nobody has to act on (a cleanup someone else also does, a watch removal,
 * a last-chance commit), logging a failure instead of throwing it, so none is silently dropped. Use
 * "warn" where the failure leaves something a user should know about (an "outcome unknown" left unstored).
 */
export async function bestEffort(
  logger: Logger,
  what: string,
  p: Promise<unknown>,
  level: "debug" | "warn" = "debug",
): Promise<void> {
  try {
    await p;
  } catch (err) {
    logger[level]({ err }, `tasks: ${what} failed`);
  }
}
