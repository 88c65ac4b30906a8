/**
 * Jute binary archive: the big-endian encoding ZooKeeper uses for every record on the wire
 * (PROTOCOL.md §1.2). Pure: no I/O. `JuteWriter` grows its own buffer; `JuteReader` checks every
 * length against the bytes available and against `maxBuffer`, throwing `JuteDecodeError`.
 */

export class JuteDecodeError extends Error {
  override readonly name = "JuteDecodeError";
}

/** Default jute.maxbuffer (PROTOCOL.md §1.1): 0xfffff bytes. */
export const DEFAULT_MAX_BUFFER = 0xfffff;

const EMPTY = Buffer.alloc(0);
/** Strings up to this many UTF-16 units are tried as ASCII in JS before falling back to Buffer.write. */
const SHORT_STRING = 64;
const TWO_32 = 0x100000000;
/** High words in [-2^21, 2^21) give longs that a double holds exactly. */
const SAFE_HIGH = 0x200000;

/**
 * The signed 64-bit big-endian long at `at` (caller checks bounds). Zxids, session ids and owners
 * almost always fit in 53 bits: then one BigInt is made instead of `readBigInt64BE`'s several.
 */
export function longAt(buf: Buffer, at: number): bigint {
  const hi = buf.readInt32BE(at);
  if (hi >= -SAFE_HIGH && hi < SAFE_HIGH) {
    const v = hi * TWO_32 + buf.readUInt32BE(at + 4);
    // 0 (ephemeralOwner of every persistent node) is a literal: no BigInt allocated.
    return v === 0 ? 0n : BigInt(v);
  }
  return buf.readBigInt64BE(at);
}

export class JuteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  writeByte(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  writeBool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  writeInt(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  writeLong(v: bigint): this {
    this.ensure(8);
    // Zxids and the like fit in 53 bits: one conversion instead of writeBigInt64BE's BigInt arithmetic.
    const n = Number(v);
    if (Number.isSafeInteger(n)) {
      const hi = Math.floor(n / TWO_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(n - hi * TWO_32, this.pos + 4);
    } else {
      this.buf.writeBigInt64BE(v, this.pos);
    }
    this.pos += 8;
    return this;
  }

  /** A long carried as a JS number (times in ms): exact below 2^53. */
  writeLongNumber(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / 0x100000000);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 0x100000000, this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** `null` encodes as length -1, distinct from an empty buffer. */
  writeBuffer(v: Uint8Array | null): this {
    if (v === null) return this.writeInt(-1);
    this.writeInt(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  writeString(v: string | null): this {
    if (v === null) return this.writeInt(-1);
    const len = v.length;
    if (len <= SHORT_STRING) {
      // Short ASCII strings (paths, schemes) byte by byte: cheaper than two calls into C++.
      this.ensure(4 + len);
      const buf = this.buf;
      const start = this.pos + 4;
      let i = 0;
      for (; i < len; i++) {
        const c = v.charCodeAt(i);
        if (c > 0x7f) break;
        buf[start + i] = c;
      }
      if (i === len) {
        buf.writeInt32BE(len, this.pos);
        this.pos = start + len;
        return this;
      }
    }
    const n = Buffer.byteLength(v, "utf8");
    this.writeInt(n);
    this.ensure(n);
    this.buf.write(v, this.pos, n, "utf8");
    this.pos += n;
    return this;
  }

  writeRaw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Drop everything written after `length` bytes (undo a partly written record). */
  truncate(length: number): void {
    if (length >= 0 && length < this.pos) this.pos = length;
  }

  /** Rewind to `pos` (default 0), discarding what follows, so one writer can be reused. */
  reset(pos = 0): void {
    if (pos < 0 || pos > this.pos) throw new RangeError(`reset position ${pos} outside [0, ${this.pos}]`);
    this.pos = pos;
  }

  /** Overwrite an int already written at `offset` (used to back-fill frame lengths). */
  patchInt(offset: number, v: number): void {
    this.buf.writeInt32BE(v, offset);
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class JuteReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
    end = buf.length,
    /** Largest buffer/string length accepted (jute.maxbuffer plus its allowance). */
    private readonly maxLength = DEFAULT_MAX_BUFFER * 2,
  ) {
    this.pos = offset;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new JuteDecodeError(
        `truncated record: need ${n} bytes for ${what} at offset ${this.pos}, have ${this.end - this.pos}`,
      );
    }
  }

  readByte(): number {
    this.need(1, "byte");
    return this.buf.readInt8(this.pos++);
  }

  readBool(): boolean {
    this.need(1, "boolean");
    return this.buf[this.pos++] !== 0;
  }

  readInt(): number {
    this.need(4, "int");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readLong(): bigint {
    this.need(8, "long");
    const v = longAt(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  readLongNumber(): number {
    this.need(8, "long");
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }

  private readLength(what: string): number {
    const n = this.readInt();
    if (n < -1 || n > this.maxLength) throw new JuteDecodeError(`invalid ${what} length ${n}`);
    return n;
  }

  readBuffer(): Buffer | null {
    const n = this.readLength("buffer");
    if (n === -1) return null;
    if (n === 0) return EMPTY;
    this.need(n, "buffer");
    const v = Buffer.allocUnsafe(n);
    this.buf.copy(v, 0, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  readString(): string | null {
    const n = this.readLength("string");
    if (n === -1) return null;
    this.need(n, "string");
    const v = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Vector length: -1 (null) is read as 0 elements; negative others are errors. */
  readVectorLength(): number {
    const n = this.readInt();
    if (n < -1) throw new JuteDecodeError(`invalid vector length ${n}`);
    // Every element takes at least one byte: a count larger than what remains is garbage.
    if (n > this.remaining)
      throw new JuteDecodeError(`vector length ${n} exceeds remaining ${this.remaining} bytes`);
    return n === -1 ? 0 : n;
  }

  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}
