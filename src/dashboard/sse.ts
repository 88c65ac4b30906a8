/**
 * Server-sent events: every open page gets the whole picture on connect and again after each change,
 * at most every `minIntervalMs` (one JSON text built per broadcast, shared by all clients). A comment line
 * every `heartbeatMs` keeps proxies from closing idle streams.
 */
import type { ServerResponse } from "node:http";

export interface SseOptions {
  /** The `data:` of an update (JSON text). */
  build: () => string;
  minIntervalMs?: number;
  heartbeatMs?: number;
}

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly minInterval: number;
  private lastSent = 0;
  private pending: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly opts: SseOptions) {
    this.minInterval = opts.minIntervalMs ?? 250;
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(`retry: 2000\n\nevent: overview\ndata: ${this.opts.build()}\n\n`);
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  /** Something changed: send soon, coalescing bursts. */
  changed(): void {
    if (this.pending !== undefined || this.clients.size === 0) return;
    const wait = Math.max(0, this.lastSent + this.minInterval - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastSent = Date.now();
      this.write(`event: overview\ndata: ${this.opts.build()}\n\n`);
    }, wait);
  }

  /** One named event to every open page now (not coalesced). */
  send(event: string, data: string): void {
    this.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  close(): void {
    clearTimeout(this.pending);
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}
