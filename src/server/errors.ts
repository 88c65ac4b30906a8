/** Errors thrown by the server's public API (operation failures travel as wire error codes instead). */

/** A `ServerOptions` field is invalid; the message names the option. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`invalid server option "${option}": ${message}`);
  }
}

/** The server is not running (closed, or not started yet). */
export class ServerClosedError extends Error {
  override readonly name = "ServerClosedError";
}

/** The data dir cannot be recovered safely (corruption before the log's tail, a missing log range). */
export class StorageCorruptError extends Error {
  override readonly name = "StorageCorruptError";
}
