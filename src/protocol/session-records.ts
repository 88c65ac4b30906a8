/**
 * The records of a session's own state rather than of a znode (PROTOCOL.md §2.4, §6, §9): auth and
 * SASL, whoAmI, and watch registration (SetWatches after a reconnect, addWatch, check/removeWatches).
 * Part of records.ts, which re-exports them all; field order = wire order, grammar in jute's names.
 */
import { buffer, int, long, record, ustring, vector, type Codec } from "./codec.js";

/** CheckWatchesRequest / RemoveWatchesRequest { ustring path; int type } */
export interface WatchesRequest {
  path: string;
  type: number;
}
export const WatchesRequest: Codec<WatchesRequest> = record<WatchesRequest>({ path: ustring, type: int });

/** AuthPacket { int type; ustring scheme; buffer auth } */
export interface AuthPacket {
  type: number;
  scheme: string;
  auth: Buffer | null;
}
export const AuthPacket: Codec<AuthPacket> = record<AuthPacket>({ type: int, scheme: ustring, auth: buffer });

/** SetWatches { long relativeZxid; vector<ustring> dataWatches; existWatches; childWatches } */
export interface SetWatches {
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}
export const SetWatches: Codec<SetWatches> = record<SetWatches>({
  relativeZxid: long,
  dataWatches: vector(ustring),
  existWatches: vector(ustring),
  childWatches: vector(ustring),
});

/** SetWatches2 { …SetWatches; vector<ustring> persistentWatches; persistentRecursiveWatches } */
export interface SetWatches2 extends SetWatches {
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
export const SetWatches2: Codec<SetWatches2> = record<SetWatches2>({
  relativeZxid: long,
  dataWatches: vector(ustring),
  existWatches: vector(ustring),
  childWatches: vector(ustring),
  persistentWatches: vector(ustring),
  persistentRecursiveWatches: vector(ustring),
});

/** GetSASLRequest / SetSASLResponse { buffer token } */
export interface SaslToken {
  token: Buffer | null;
}
export const SaslToken: Codec<SaslToken> = record<SaslToken>({ token: buffer });

/** AddWatchRequest { ustring path; int mode } */
export interface AddWatchRequest {
  path: string;
  mode: number;
}
export const AddWatchRequest: Codec<AddWatchRequest> = record<AddWatchRequest>({ path: ustring, mode: int });

/** ClientInfo { ustring authScheme; ustring user } */
export interface ClientInfo {
  authScheme: string;
  user: string;
}
export const ClientInfo: Codec<ClientInfo> = record<ClientInfo>({ authScheme: ustring, user: ustring });

/** WhoAmIResponse { vector<ClientInfo> clientInfo } */
export interface WhoAmIResponse {
  clientInfo: ClientInfo[];
}
export const WhoAmIResponse: Codec<WhoAmIResponse> = record<WhoAmIResponse>({
  clientInfo: vector(ClientInfo),
});
