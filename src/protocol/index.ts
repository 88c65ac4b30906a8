/** `overseer/protocol`: the ZooKeeper 3.8 wire protocol, pure (no I/O). */
export { JuteReader, JuteWriter, JuteDecodeError, DEFAULT_MAX_BUFFER, longAt } from "./jute.js";
export {
  type Codec,
  encode,
  decode,
  record,
  vector,
  int,
  long,
  longNum,
  bool,
  buffer,
  ustring,
} from "./codec.js";
export * as records from "./records.js";
export { readStat, writeStat } from "./stat.js";
export {
  EXTENSION_MAGIC,
  FEATURE_EVENT_DATA,
  EVENT_DATA_LIMIT,
  readExtension,
  writeExtension,
} from "./extensions.js";
export type {
  ACL,
  Id,
  Stat,
  ConnectRequest,
  ConnectResponse,
  RequestHeader,
  ReplyHeader,
  WatcherEvent,
  ClientInfo,
} from "./records.js";
export {
  OpCode,
  opName,
  Xid,
  CreateMode,
  isValidCreateMode,
  isSequential,
  isEphemeral,
  isTTL,
  MAX_TTL,
  Perms,
  EventType,
  eventTypeName,
  KeeperState,
  WatcherType,
  AddWatchMode,
  PASSWORD_LENGTH,
} from "./constants.js";
export { InvalidArgumentError } from "./arguments.js";
export { ErrorCode, errorInfo, isKnownErrorCode, ERROR_CODES, type ErrorCodeInfo } from "./errors.js";
export {
  type MultiOp,
  type MultiResult,
  type MultiKind,
  readMultiRequest,
  writeMultiRequest,
  readMultiResponse,
  readMultiResult,
  readStringVector,
  writeMultiResponse,
} from "./multi.js";
export { pathProblem, isValidPath, parentOf, baseName, joinPath } from "./paths.js";
export { FrameDecoder, FrameError, startFrame, finishFrame, requestFrame, replyFrame } from "./framing.js";
export { ANYONE_ID_UNSAFE, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, CREATOR_ALL_ACL } from "./acl.js";
