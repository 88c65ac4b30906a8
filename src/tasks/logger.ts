/** The logger type shared with the client (pino-compatible) and the silent default. */
import type { Logger } from "../client/index.js";

export type { Logger };

export const SILENT: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
