/**
 * overseer's one extension to the ZooKeeper protocol (PROTOCOL.md §10): watch events that carry the
 * node's data and Stat, so a client that would read a node because it changed already has what the read
 * would return. A client asks for it with 8 bytes after the ConnectRequest's readOnly byte (Apache
 * ZooKeeper reads the readOnly byte and ignores what follows); the embedded server then appends
 * `buffer data; Stat stat` to the NodeCreated notifications it sends that connection, for nodes of at
 * most EVENT_DATA_LIMIT bytes (not to NodeDataChanged: a node rewritten every few ms, like a task's log,
 * would cost each watcher of its subtree its whole data each time). Nothing else changes on the wire, and a
 * server that does not know the extension simply sends plain events: clients tell by the frame's length.
 */
import type { JuteReader, JuteWriter } from "./jute.js";

/** "OVSR": marks the extension request after the readOnly byte. */
export const EXTENSION_MAGIC = 0x4f565352;
/** Feature bit: NodeCreated events carry the node's data and Stat. */
export const FEATURE_EVENT_DATA = 1;
/** Nodes with more data than this get plain events (the client reads them as before). */
export const EVENT_DATA_LIMIT = 16 * 1024;

/** Appends the extension after a handshake record's readOnly byte: `int magic, int features`. */
export function writeExtension(w: JuteWriter, features: number): void {
  w.writeInt(EXTENSION_MAGIC).writeInt(features);
}

/** The features named after a handshake record (`r` positioned after it): skips the readOnly byte and
 * reads `magic, features`; 0 when they are not there. */
export function readExtension(r: JuteReader): number {
  if (r.remaining < 9) return 0;
  r.readBool();
  return r.readInt() === EXTENSION_MAGIC ? r.readInt() : 0;
}
