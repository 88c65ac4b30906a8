/**
 * Snapshots: a point-in-time image of the tree and the session table at zxid Z, written in slices
 * across event-loop turns so clients keep being served. Exactness comes from copy-on-write
 * (tree.ts SnapshotCow): a node that existed at Z is written either when the iteration reaches it
 * or, if it is about to change first, right before that change; nodes born after Z are skipped.
 * So the file holds exactly the tree at Z and recovery replays the log from Z + 1 with plain
 * (non-idempotent) applyTxn.
 *
 * File layout: header = "OVSN", int version, long Z, long nextSessionId; then entries
 *   byte 1 + NodeRecord | byte 2 + long id, buffer password, int timeout
 * then byte 0, long nodeCount, uint32 crc32(every preceding byte). Written to `<name>.tmp`, synced,
 * renamed, directory synced: a snapshot file that exists is complete.
 */
import { open, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { JuteDecodeError, JuteReader, JuteWriter, type ACL } from "../../protocol/index.js";
import type { DataNode, DataTree, SnapshotCow } from "../tree.js";
import { crc32, readNode, writeNode } from "./codec.js";
import { SNAP_PREFIX, TMP_SUFFIX, fileName, fsyncDir } from "./files.js";

const MAGIC = Buffer.from("OVSN", "latin1");
const VERSION = 1;
/** Work per slice; a slice also ends when its buffer reaches CHUNK_BYTES. */
export const SLICE_MS = 4;
const CHUNK_BYTES = 1 << 20;

export interface SessionImage {
  readonly id: bigint;
  readonly password: Buffer;
  readonly timeout: number;
}

export interface SnapshotImage {
  readonly zxid: number;
  readonly nextSessionId: bigint;
  readonly nodes: Map<string, DataNode>;
  readonly sessions: SessionImage[];
}

export interface SnapshotResult {
  readonly path: string;
  readonly zxid: number;
  readonly nodes: number;
  readonly bytes: number;
  readonly durationMs: number;
  /** Longest synchronous slice, i.e. the longest this snapshot kept the event loop busy. */
  readonly longestSliceMs: number;
}

let nextSnapshotId = 1;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SnapshotWriter implements SnapshotCow {
  readonly id = nextSnapshotId++;
  private out = new JuteWriter(CHUNK_BYTES + 4096);
  private crc = 0;
  private bytes = 0;
  private nodes = 0;
  private aborted = false;

  constructor(
    private readonly dataDir: string,
    private readonly tree: DataTree,
    readonly zxid: number,
    private readonly sessions: readonly SessionImage[],
    private readonly nextSessionId: bigint,
    /**
     * Resolves once the log holds every txn up to `zxid`. The snapshot is published only then, so
     * the log never has a gap between an older snapshot and this one.
     */
    private readonly untilDurable: () => Promise<void>,
  ) {}

  preserve(path: string, node: DataNode): void {
    this.out.writeByte(1);
    writeNode(this.out, path, node);
    this.nodes++;
  }

  /** Stop at the next slice; the temp file is removed. */
  abort(): void {
    this.aborted = true;
  }

  private async flush(file: FileHandle): Promise<void> {
    const w = this.out;
    this.out = new JuteWriter(CHUNK_BYTES + 4096);
    const bytes = w.view();
    this.crc = crc32(bytes, this.crc);
    this.bytes += bytes.length;
    for (let off = 0; off < bytes.length;)
      off += (await file.write(bytes, off, bytes.length - off)).bytesWritten;
  }

  /**
   * Must be called between txns (never inside one) while the tree is at `zxid`: the hook and the
   * iterator are installed synchronously, before the first await, so they both see the tree at `zxid`.
   */
  async write(): Promise<SnapshotResult> {
    const started = performance.now();
    this.out.writeRaw(MAGIC).writeInt(VERSION).writeLongNumber(this.zxid).writeLong(this.nextSessionId);
    this.tree.cow = this;
    const it = this.tree.entries();
    const finalPath = join(this.dataDir, fileName(SNAP_PREFIX, this.zxid));
    const tmp = finalPath + TMP_SUFFIX;
    let longest = 0;
    let file: FileHandle;
    try {
      file = await open(tmp, "w");
    } catch (err) {
      this.tree.cow = null;
      throw err;
    }
    try {
      for (let done = false; !done;) {
        const t0 = performance.now();
        for (let i = 0; ; i++) {
          if ((i & 255) === 255 && (performance.now() - t0 >= SLICE_MS || this.out.length >= CHUNK_BYTES))
            break;
          const e = it.next();
          if (e.done === true) {
            done = true;
            break;
          }
          const [path, node] = e.value;
          if (node.snapMark === this.id) continue;
          node.snapMark = this.id;
          this.preserve(path, node);
        }
        if (done) this.tree.cow = null;
        longest = Math.max(longest, performance.now() - t0);
        await this.flush(file);
        if (this.aborted) throw new Error("snapshot aborted");
        await turn();
      }
      for (const s of this.sessions)
        this.out.writeByte(2).writeLong(s.id).writeBuffer(s.password).writeInt(s.timeout);
      this.out.writeByte(0).writeLongNumber(this.nodes);
      const body = this.out.view();
      const crc = crc32(body, this.crc);
      this.out.writeInt(crc | 0);
      await this.flush(file);
      await file.sync();
      await file.close();
      await this.untilDurable();
      await rename(tmp, finalPath);
      await fsyncDir(this.dataDir);
    } catch (err) {
      if (this.tree.cow === this) this.tree.cow = null;
      await file.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const durationMs = performance.now() - started;
    return {
      path: finalPath,
      zxid: this.zxid,
      nodes: this.nodes,
      bytes: this.bytes,
      durationMs,
      longestSliceMs: longest,
    };
  }
}

/** Read and verify a snapshot; throws (JuteDecodeError or Error) if it is not intact. */
export async function readSnapshot(
  path: string,
  intern: (acl: ACL[]) => readonly ACL[],
): Promise<SnapshotImage> {
  const buf = await readFile(path);
  if (buf.length < 4 + 4 + 8 + 8 + 1 + 8 + 4 || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new JuteDecodeError(`${path}: not an overseer snapshot`);
  }
  const stored = buf.readUInt32BE(buf.length - 4);
  if (crc32(buf.subarray(0, buf.length - 4)) !== stored) throw new JuteDecodeError(`${path}: CRC mismatch`);
  const r = new JuteReader(buf, 4, buf.length - 4, 0x7fffffff);
  if (r.readInt() !== VERSION) throw new JuteDecodeError(`${path}: unsupported snapshot version`);
  const zxid = r.readLongNumber();
  const nextSessionId = r.readLong();
  const nodes = new Map<string, DataNode>();
  const sessions: SessionImage[] = [];
  for (;;) {
    const tag = r.readByte();
    if (tag === 1) {
      const { path: p, node } = readNode(r, intern);
      nodes.set(p, node);
    } else if (tag === 2) {
      sessions.push({ id: r.readLong(), password: r.readBuffer() ?? Buffer.alloc(0), timeout: r.readInt() });
    } else if (tag === 0) {
      const count = r.readLongNumber();
      if (count !== nodes.size || r.remaining !== 0)
        throw new JuteDecodeError(`${path}: node count mismatch`);
      return { zxid, nextSessionId, nodes, sessions };
    } else throw new JuteDecodeError(`${path}: unknown entry tag ${tag}`);
  }
}
