/** Well-known ACLs (ZooDefs.Ids). */
import { Perms } from "./constants.js";
import type { ACL, Id } from "./records.js";

export const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" });
export const AUTH_IDS: Id = Object.freeze({ scheme: "auth", id: "" });
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: ANYONE_ID_UNSAFE }]);
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.READ, id: ANYONE_ID_UNSAFE }]);
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: AUTH_IDS }]);
