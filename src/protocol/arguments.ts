/**
 * The one error for a caller passing something invalid (options, arguments), shared by every layer: the
 * client, the server and the task system throw (or re-export) this class, so `instanceof` works whichever
 * layer refused. Thrown synchronously (or as a rejected call), never a ZooKeeper error code.
 */
export class InvalidArgumentError extends TypeError {
  override readonly name = "InvalidArgumentError";
  constructor(
    /** Name of the offending option or argument, e.g. "sessionTimeout". */
    readonly argument: string,
    problem: string,
  ) {
    super(`invalid ${argument}: ${problem}`);
  }
}
