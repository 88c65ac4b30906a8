/**
 * Every client-protocol record of ZooKeeper 3.8 (PROTOCOL.md §2, §3, §4, §6), field order = wire order.
 * Grammar comments use jute's names. The session's own records (auth, SASL, whoAmI, watch registration)
 * live in session-records.ts and are re-exported here.
 */
import { bool, buffer, empty, int, long, longNum, record, ustring, vector, type Codec } from "./codec.js";
import { Stat } from "./stat.js";

/** Id { ustring scheme; ustring id } */
export interface Id {
  scheme: string;
  id: string;
}
export const Id: Codec<Id> = record<Id>({ scheme: ustring, id: ustring });

/** ACL { int perms; Id id } */
export interface ACL {
  perms: number;
  id: Id;
}
export const ACL: Codec<ACL> = record<ACL>({ perms: int, id: Id });
export const ACLList: Codec<ACL[]> = vector(ACL);

export { Stat, readStat, writeStat } from "./stat.js";
export * from "./session-records.js";

// ---- handshake (PROTOCOL.md §2) ----

/** ConnectRequest { int protocolVersion; long lastZxidSeen; int timeOut; long sessionId; buffer passwd } [+ bool readOnly] */
export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer | null;
}
export const ConnectRequest: Codec<ConnectRequest> = record<ConnectRequest>({
  protocolVersion: int,
  lastZxidSeen: long,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});

/** ConnectResponse { int protocolVersion; int timeOut; long sessionId; buffer passwd } [+ bool readOnly] */
export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer | null;
}
export const ConnectResponse: Codec<ConnectResponse> = record<ConnectResponse>({
  protocolVersion: int,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});

// ---- headers (PROTOCOL.md §3.1) ----

/** RequestHeader { int xid; int type } */
export interface RequestHeader {
  xid: number;
  type: number;
}
export const RequestHeader: Codec<RequestHeader> = record<RequestHeader>({ xid: int, type: int });

/** ReplyHeader { int xid; long zxid; int err } */
export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}
export const ReplyHeader: Codec<ReplyHeader> = record<ReplyHeader>({ xid: int, zxid: long, err: int });

/** WatcherEvent { int type; int state; ustring path } */
export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}
export const WatcherEvent: Codec<WatcherEvent> = record<WatcherEvent>({
  type: int,
  state: int,
  path: ustring,
});

// ---- requests and responses (PROTOCOL.md §4.2) ----

/** CreateRequest { ustring path; buffer data; vector<ACL> acl; int flags } — create, create2, createContainer */
export interface CreateRequest {
  path: string;
  data: Buffer | null;
  acl: ACL[];
  flags: number;
}
export const CreateRequest: Codec<CreateRequest> = record<CreateRequest>({
  path: ustring,
  data: buffer,
  acl: ACLList,
  flags: int,
});

/** CreateTTLRequest { ustring path; buffer data; vector<ACL> acl; int flags; long ttl } */
export interface CreateTTLRequest extends CreateRequest {
  ttl: number;
}
export const CreateTTLRequest: Codec<CreateTTLRequest> = record<CreateTTLRequest>({
  path: ustring,
  data: buffer,
  acl: ACLList,
  flags: int,
  ttl: longNum,
});

/** CreateResponse { ustring path } */
export interface CreateResponse {
  path: string;
}
export const CreateResponse: Codec<CreateResponse> = record<CreateResponse>({ path: ustring });

/** Create2Response { ustring path; Stat stat } */
export interface Create2Response {
  path: string;
  stat: Stat;
}
export const Create2Response: Codec<Create2Response> = record<Create2Response>({ path: ustring, stat: Stat });

/** DeleteRequest { ustring path; int version } — also CheckVersionRequest */
export interface PathVersionRequest {
  path: string;
  version: number;
}
export const DeleteRequest: Codec<PathVersionRequest> = record<PathVersionRequest>({
  path: ustring,
  version: int,
});
export const CheckVersionRequest = DeleteRequest;

/** ExistsRequest / GetDataRequest / GetChildrenRequest / GetChildren2Request { ustring path; boolean watch } */
export interface PathWatchRequest {
  path: string;
  watch: boolean;
}
export const PathWatchRequest: Codec<PathWatchRequest> = record<PathWatchRequest>({
  path: ustring,
  watch: bool,
});

/** ExistsResponse / SetDataResponse / SetACLResponse { Stat stat } */
export interface StatResponse {
  stat: Stat;
}
export const StatResponse: Codec<StatResponse> = record<StatResponse>({ stat: Stat });

/** GetDataResponse { buffer data; Stat stat } — also the reconfig reply */
export interface GetDataResponse {
  data: Buffer | null;
  stat: Stat;
}
export const GetDataResponse: Codec<GetDataResponse> = record<GetDataResponse>({ data: buffer, stat: Stat });

/** SetDataRequest { ustring path; buffer data; int version } */
export interface SetDataRequest {
  path: string;
  data: Buffer | null;
  version: number;
}
export const SetDataRequest: Codec<SetDataRequest> = record<SetDataRequest>({
  path: ustring,
  data: buffer,
  version: int,
});

/** GetACLRequest / SyncRequest / SyncResponse / GetEphemeralsRequest / GetAllChildrenNumberRequest { ustring path } */
export interface PathRequest {
  path: string;
}
export const PathRequest: Codec<PathRequest> = record<PathRequest>({ path: ustring });

/** GetACLResponse { vector<ACL> acl; Stat stat } */
export interface GetACLResponse {
  acl: ACL[];
  stat: Stat;
}
export const GetACLResponse: Codec<GetACLResponse> = record<GetACLResponse>({ acl: ACLList, stat: Stat });

/** SetACLRequest { ustring path; vector<ACL> acl; int version } */
export interface SetACLRequest {
  path: string;
  acl: ACL[];
  version: number;
}
export const SetACLRequest: Codec<SetACLRequest> = record<SetACLRequest>({
  path: ustring,
  acl: ACLList,
  version: int,
});

/** GetChildrenResponse { vector<ustring> children } */
export interface GetChildrenResponse {
  children: string[];
}
export const GetChildrenResponse: Codec<GetChildrenResponse> = record<GetChildrenResponse>({
  children: vector(ustring),
});

/** GetChildren2Response { vector<ustring> children; Stat stat } */
export interface GetChildren2Response {
  children: string[];
  stat: Stat;
}
export const GetChildren2Response: Codec<GetChildren2Response> = record<GetChildren2Response>({
  children: vector(ustring),
  stat: Stat,
});

/** ReconfigRequest { ustring joiningServers; ustring leavingServers; ustring newMembers; long curConfigId } */
export interface ReconfigRequest {
  joiningServers: string;
  leavingServers: string;
  newMembers: string;
  curConfigId: bigint;
}
export const ReconfigRequest: Codec<ReconfigRequest> = record<ReconfigRequest>({
  joiningServers: ustring,
  leavingServers: ustring,
  newMembers: ustring,
  curConfigId: long,
});

/** GetEphemeralsResponse { vector<ustring> ephemerals } */
export interface GetEphemeralsResponse {
  ephemerals: string[];
}
export const GetEphemeralsResponse: Codec<GetEphemeralsResponse> = record<GetEphemeralsResponse>({
  ephemerals: vector(ustring),
});

/** GetAllChildrenNumberResponse { int totalNumber } */
export interface GetAllChildrenNumberResponse {
  totalNumber: number;
}
export const GetAllChildrenNumberResponse: Codec<GetAllChildrenNumberResponse> =
  record<GetAllChildrenNumberResponse>({ totalNumber: int });

/** ErrorResponse { int err } — addWatch's reply body and a failed multi op's body */
export interface ErrorResponse {
  err: number;
}
export const ErrorResponse: Codec<ErrorResponse> = record<ErrorResponse>({ err: int });

export const Empty = empty;
