/**
 * Socket reads into slices of a shared slab (Node's `onread` socket option) instead of a stream
 * 'data' event with a freshly allocated buffer per read.
 *
 * Why: over TLS every record is its own read, and a server that sends each reply as its own record
 * (Apache ZooKeeper's Netty listener does) costs one read per reply — with 'data' events that is one
 * buffer allocation plus the stream machinery per reply, more client CPU per op than the decryption.
 * Plain TCP reads gather many replies per read, so they gain less.
 *
 * Every read lands in memory no earlier read used (the slab is filled front to back and replaced,
 * never rewound), so frames handed on as views of a chunk stay valid for as long as they are held —
 * the same guarantee a 'data' chunk gives. A held view keeps its slab alive; replies that outlive a
 * read are copied by the decoders (JuteReader.readBuffer), so only transient views point into it.
 */
import type net from "node:net";

/** Slab size; a slab whose free tail is under MIN_TAIL is replaced before the next read. */
const SLAB_BYTES = 128 * 1024;
/** At least one full TLS record (16 KiB of plaintext) fits in every read buffer. */
const MIN_TAIL = 32 * 1024;

/** `onread` options that pass each chunk read to `deliver` (a view valid as long as it is referenced). */
export function slabReader(deliver: (chunk: Buffer) => void): net.OnReadOpts {
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let used = 0;
  return {
    buffer: () => {
      if (SLAB_BYTES - used < MIN_TAIL) {
        slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        used = 0;
      }
      return slab.subarray(used);
    },
    callback: (n: number, buf: Uint8Array) => {
      if (buf.buffer === slab.buffer) used = buf.byteOffset + n;
      deliver(Buffer.from(buf.buffer, buf.byteOffset, n));
      return true;
    },
  };
}
