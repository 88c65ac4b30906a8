/** Numbers from ZooDefs, Watcher and CreateMode of ZooKeeper 3.8 (PROTOCOL.md §3, §6, §7.2). */

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

const opNames = new Map<number, string>(Object.entries(OpCode).map(([k, v]) => [v, k]));
export function opName(code: number): string {
  return opNames.get(code) ?? `op(${code})`;
}

/** Special xids (PROTOCOL.md §3.2). */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

export function isValidCreateMode(flags: number): flags is CreateMode {
  return Number.isInteger(flags) && flags >= 0 && flags <= 6;
}
export function isSequential(mode: CreateMode): boolean {
  return mode === 2 || mode === 3 || mode === 6;
}
export function isEphemeral(mode: CreateMode): boolean {
  return mode === 1 || mode === 3;
}
export function isTTL(mode: CreateMode): boolean {
  return mode === 5 || mode === 6;
}
/** Largest TTL accepted (2^40 − 1 ms, PROTOCOL.md §7.8). */
export const MAX_TTL = 0xff_ffff_ffff;

export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

const eventNames = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));
export function eventTypeName(type: number): string {
  return eventNames.get(type) ?? `event(${type})`;
}

export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

/** checkWatches/removeWatches type (3.8). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** addWatch mode. */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** Every session password is 16 bytes (PROTOCOL.md §2.2). */
export const PASSWORD_LENGTH = 16;
