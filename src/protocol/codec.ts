/**
 * Small combinators that describe a jute record once and give both directions: a record's fields
 * are listed in wire order, and `write`/`read` follow that order (jute records carry no tags).
 */
import { JuteReader, JuteWriter } from "./jute.js";

export interface Codec<T> {
  write(w: JuteWriter, v: T): void;
  read(r: JuteReader): T;
}

export const int: Codec<number> = { write: (w, v) => w.writeInt(v), read: (r) => r.readInt() };
export const long: Codec<bigint> = { write: (w, v) => w.writeLong(v), read: (r) => r.readLong() };
/** A jute long carried as a JS number (millisecond times, TTLs). */
export const longNum: Codec<number> = {
  write: (w, v) => w.writeLongNumber(v),
  read: (r) => r.readLongNumber(),
};
export const bool: Codec<boolean> = { write: (w, v) => w.writeBool(v), read: (r) => r.readBool() };
export const buffer: Codec<Buffer | null> = {
  write: (w, v) => w.writeBuffer(v),
  read: (r) => r.readBuffer(),
};
/** A ustring where null is read as "" (paths, schemes, ids are never meaningfully null). */
export const ustring: Codec<string> = {
  write: (w, v) => w.writeString(v),
  read: (r) => r.readString() ?? "",
};

export function vector<T>(item: Codec<T>): Codec<T[]> {
  return {
    write(w, v) {
      w.writeInt(v.length);
      for (const x of v) item.write(w, x);
    },
    read(r) {
      const n = r.readVectorLength();
      const out: T[] = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = item.read(r);
      return out;
    },
  };
}

/** A record: fields written and read in the declaration order of `fields`. */
export function record<T extends object>(fields: { [K in keyof T]: Codec<T[K]> }): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, Codec<unknown>][];
  return {
    write(w, v) {
      for (const [k, c] of entries) c.write(w, v[k]);
    },
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out as T;
    },
  };
}

/** A record with no fields (requests and replies with a header only). */
export const empty: Codec<Record<string, never>> = { write: () => undefined, read: () => ({}) };

export function encode<T>(codec: Codec<T>, v: T): Buffer {
  const w = new JuteWriter();
  codec.write(w, v);
  return w.toBuffer();
}

export function decode<T>(codec: Codec<T>, b: Buffer): T {
  return codec.read(new JuteReader(b));
}
