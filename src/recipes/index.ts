/** `overseer/recipes`: coordination recipes written against the public client API only. */
export { LeaderElection, FENCE_OPS, type LeadershipTerm, type LeadershipChange } from "./election.js";
export { type LeaderElectionOptions, type SuspendedPolicy, DEFAULT_SUSPENDED_POLICY } from "./options.js";
export {
  RecipeError,
  RecipeClosedError,
  LeadershipLostError,
  NotLeaderError,
  LockTimeoutError,
  LockReleasedError,
  type LockEndReason,
  type LeadershipLossReason,
} from "./errors.js";
export { Mutex, type MutexOptions, type AcquireOptions, type LockLease } from "./mutex.js";
export { TreeCache, type TreeCacheEvent, type TreeCacheOptions, type CachedNode } from "./tree-cache.js";
export { NodeCache, type NodeCacheOptions } from "./node-cache.js";
export {
  GroupMember,
  type GroupMemberOptions,
  type MemberEvent,
  type ClientFactory,
} from "./group-member.js";
