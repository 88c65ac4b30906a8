/** Options of the recipes, with `parse*` functions that report bad options precisely. */
import { InvalidArgumentError, type Logger } from "../client/index.js";
import { toBuffer } from "./internal.js";

export type SuspendedPolicy = "relinquish" | "keep";
export const DEFAULT_SUSPENDED_POLICY: SuspendedPolicy = "relinquish";

export interface LeaderElectionOptions {
  /** Election root; `candidates/` and `epoch` are created under it. */
  path: string;
  /** This candidate's identity; written to the epoch node by each new leader. */
  id: string;
  /** Data of our candidate node (default: `id`). */
  data?: Uint8Array | string;
  /**
   * What a connection loss (state "suspended") means for a leader. "relinquish" (default, Curator's
   * safe choice): the term ends at once, and a new one (new epoch) may begin after reconnecting.
   * "keep": the term survives if the session does and nobody bumped the epoch meanwhile.
   */
  suspendedPolicy?: SuspendedPolicy;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
}

export interface ResolvedElectionOptions {
  readonly path: string;
  readonly id: string;
  readonly data: Buffer;
  readonly suspendedPolicy: SuspendedPolicy;
  readonly logger: Logger | undefined;
}

/** A path as the client accepts it, without the trailing slash that would make children "//x". */
export function checkRecipePath(name: string, path: unknown): string {
  if (typeof path !== "string" || !path.startsWith("/") || path === "/" || path.endsWith("/"))
    throw new InvalidArgumentError(name, `expected an absolute path other than "/", got ${String(path)}`);
  return path;
}

export function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined;
  if (typeof logger !== "object" || logger === null)
    throw new InvalidArgumentError("logger", "expected a pino-compatible logger");
  return logger as Logger;
}

function checkData(data: unknown): Uint8Array | string | undefined {
  if (data === undefined || typeof data === "string" || data instanceof Uint8Array) return data;
  throw new InvalidArgumentError("data", "expected a string or a Uint8Array");
}

export function parseElectionOptions(opts: LeaderElectionOptions): ResolvedElectionOptions {
  if (typeof opts !== "object" || opts === null)
    throw new InvalidArgumentError("options", "expected an object");
  if (typeof opts.id !== "string" || opts.id === "")
    throw new InvalidArgumentError("id", "expected a non-empty string");
  const policy = opts.suspendedPolicy ?? DEFAULT_SUSPENDED_POLICY;
  if (policy !== "relinquish" && policy !== "keep")
    throw new InvalidArgumentError(
      "suspendedPolicy",
      `expected "relinquish" or "keep", got ${String(policy)}`,
    );
  return {
    path: checkRecipePath("path", opts.path),
    id: opts.id,
    data: toBuffer(checkData(opts.data) ?? opts.id),
    suspendedPolicy: policy,
    logger: checkLogger(opts.logger),
  };
}
