/**
 * Session table with bucketed expiry (PROTOCOL.md §2.3, §7.6), as in Apache but with finer buckets:
 * expiry times are rounded up to the next multiple of the resolution (tickTime, or EXPIRY_RESOLUTION_MS
 * when smaller), so a sweep finds whole buckets and a touch only moves a session when its bucket changes
 * (at most once per resolution step, however many packets arrive). Never earlier than the timeout.
 */
import { randomBytes } from "node:crypto";
import { PASSWORD_LENGTH } from "../protocol/index.js";

/** The connection currently attached to a session (closed when another connection resumes it). */
export interface SessionOwner {
  close(reason: string): void;
}

export interface Session {
  readonly id: bigint;
  readonly password: Buffer;
  timeout: number;
  /** Bucket time (ms) at which the session expires unless touched. */
  expireAt: number;
  /** Set once closeSession or expiry has begun: later packets are ignored. */
  closing: boolean;
  owner: SessionOwner | null;
}

/**
 * The finest expiry bucket, ms. Apache buckets by tickTime, so a session outlives its timeout by up to a
 * whole tick (500 ms–2 s in practice) before anyone learns it is gone; 10 ms buckets keep that under
 * 10 ms (a failover's budget is the session + 200 ms, issue #20) and move a busy session at most 100
 * times a second (a Map move each).
 */
export const EXPIRY_RESOLUTION_MS = 10;

export class SessionTracker {
  readonly sessions = new Map<bigint, Session>();
  private readonly buckets = new Map<number, Set<Session>>();
  private readonly resolution: number;
  private nextId: bigint;
  /** Called when a session is put in the bucket at `at` (the server's ExpiryTimer). */
  onBucket: ((at: number) => void) | null = null;

  constructor(tickTime: number, now: number, serverId = 1n) {
    this.resolution = Math.min(tickTime, EXPIRY_RESOLUTION_MS);
    // Apache's seed: ((now << 24) >>> 8) | (serverId << 56), so ids look like 0x01…
    const t = BigInt.asUintN(64, BigInt(now) << 24n) >> 8n;
    this.nextId = t | (serverId << 56n);
  }

  private bucketOf(time: number): number {
    return (Math.floor(time / this.resolution) + 1) * this.resolution;
  }

  get(id: bigint): Session | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  create(timeout: number, now: number): Session {
    const id = BigInt.asIntN(64, this.nextId++);
    const s: Session = {
      id,
      password: randomBytes(PASSWORD_LENGTH),
      timeout,
      expireAt: 0,
      closing: false,
      owner: null,
    };
    this.sessions.set(id, s);
    this.touch(s, now);
    return s;
  }

  /** The id the next new session gets (persisted so ids never repeat across restarts). */
  get nextSessionId(): bigint {
    return this.nextId;
  }

  /** Never hand out ids below `id` (ids seen in the data dir). */
  reserveBelow(id: bigint): void {
    if (id > this.nextId) this.nextId = id;
  }

  /** A session recovered from disk, with a fresh deadline of its full timeout. */
  restore(id: bigint, password: Buffer, timeout: number, now: number): Session {
    const s: Session = { id, password, timeout, expireAt: 0, closing: false, owner: null };
    this.sessions.set(id, s);
    this.touch(s, now);
    if (BigInt.asUintN(64, id) >= this.nextId) this.nextId = BigInt.asUintN(64, id) + 1n;
    return s;
  }

  touch(s: Session, now: number): void {
    if (s.closing) return;
    const at = this.bucketOf(now + s.timeout);
    if (at === s.expireAt) return;
    this.unbucket(s);
    s.expireAt = at;
    let b = this.buckets.get(at);
    if (b === undefined) this.buckets.set(at, (b = new Set()));
    b.add(s);
    this.onBucket?.(at);
  }

  /** The earliest bucket time holding a session, or null. */
  earliestDue(): number | null {
    let min: number | null = null;
    for (const at of this.buckets.keys()) if (min === null || at < min) min = at;
    return min;
  }

  /** Out of its bucket; an emptied bucket goes too, so earliestDue() never wakes for nothing. */
  private unbucket(s: Session): void {
    const b = this.buckets.get(s.expireAt);
    if (b === undefined) return;
    b.delete(s);
    if (b.size === 0) this.buckets.delete(s.expireAt);
  }

  /** Sessions whose bucket is due, removed from the buckets (the caller closes them). */
  takeExpired(now: number): Session[] {
    const out: Session[] = [];
    for (const [at, set] of this.buckets) {
      if (at > now) continue;
      this.buckets.delete(at);
      for (const s of set) if (!s.closing) out.push(s);
    }
    return out;
  }

  remove(s: Session): void {
    this.unbucket(s);
    this.sessions.delete(s.id);
  }
}
