/** Errors thrown by the server's public API (operation failures travel as wire error codes instead). */

/** A `ServerOptions` field is invalid (`argument` names it): the one class every layer throws. */
export { InvalidArgumentError } from "../protocol/index.js";

/** The server is not running (closed, or not started yet). */
export class ServerClosedError extends Error {
  override readonly name = "ServerClosedError";
}

/** The data dir cannot be recovered safely (corruption before the log's tail, a missing log range). */
export class StorageCorruptError extends Error {
  override readonly name = "StorageCorruptError";
}
