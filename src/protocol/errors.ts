/**
 * ZooKeeper error codes (KeeperException.Code, PROTOCOL.md §5) as one table. `retriable` says whether
 * the same request may succeed if simply sent again (connection-level trouble), as callers' retry
 * helpers read it.
 */

export interface ErrorCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const messages: Record<keyof typeof ErrorCode, [string, boolean]> = {
  OK: ["ok", false],
  SYSTEMERROR: ["system error", false],
  RUNTIMEINCONSISTENCY: ["runtime inconsistency (an earlier operation in the multi failed)", false],
  DATAINCONSISTENCY: ["data inconsistency", false],
  CONNECTIONLOSS: ["connection to the server was lost; the request may or may not have been applied", true],
  MARSHALLINGERROR: ["the request could not be decoded", false],
  UNIMPLEMENTED: ["operation is not implemented by the server", false],
  OPERATIONTIMEOUT: ["operation timed out", true],
  BADARGUMENTS: ["invalid arguments", false],
  UNKNOWNSESSION: ["unknown session", false],
  NEWCONFIGNOQUORUM: ["new configuration has no quorum", false],
  RECONFIGINPROGRESS: ["a reconfiguration is in progress", true],
  APIERROR: ["API error", false],
  NONODE: ["no node", false],
  NOAUTH: ["not authorized", false],
  BADVERSION: ["version does not match", false],
  NOCHILDRENFOREPHEMERALS: ["ephemeral nodes cannot have children", false],
  NODEEXISTS: ["node already exists", false],
  NOTEMPTY: ["node has children", false],
  SESSIONEXPIRED: ["session expired", false],
  INVALIDCALLBACK: ["invalid callback", false],
  INVALIDACL: ["invalid ACL", false],
  AUTHFAILED: ["authentication failed", false],
  SESSIONMOVED: ["session moved to another server", true],
  NOTREADONLY: ["not a read-only call", false],
  EPHEMERALONLOCALSESSION: ["ephemeral node on a local session", false],
  NOWATCHER: ["no such watcher", false],
  REQUESTTIMEOUT: ["request timed out", true],
  RECONFIGDISABLED: ["reconfig is disabled", false],
  SESSIONCLOSEDREQUIRESASLAUTH: ["session closed: SASL authentication required", false],
  QUOTAEXCEEDED: ["quota exceeded", false],
  THROTTLEDOP: ["operation throttled by the server", true],
};

const byCode = new Map<number, ErrorCodeInfo>(
  (Object.keys(ErrorCode) as (keyof typeof ErrorCode)[]).map((name) => {
    const [message, retriable] = messages[name];
    const code = ErrorCode[name];
    return [code, { code, name, message, retriable }];
  }),
);

/** Table lookup; unknown codes get a generic, non-retriable entry instead of throwing. */
export function errorInfo(code: number): ErrorCodeInfo {
  return (
    byCode.get(code) ?? {
      code,
      name: `UNKNOWN(${code})`,
      retriable: false,
      message: `unknown error code ${code}`,
    }
  );
}

export function isKnownErrorCode(code: number): boolean {
  return byCode.has(code);
}

export const ERROR_CODES: readonly ErrorCodeInfo[] = [...byCode.values()];
