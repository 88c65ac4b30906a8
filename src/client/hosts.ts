/** Host rotation for (re)connecting: shuffled once (spreads clients over an ensemble), then round robin. */
import type { HostPort } from "./connect-string.js";

export class HostRotation {
  private readonly hosts: HostPort[];
  private index = 0;

  constructor(hosts: readonly HostPort[], shuffle: boolean) {
    this.hosts = [...hosts];
    if (!shuffle) return;
    for (let i = this.hosts.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [this.hosts[i], this.hosts[j]] = [this.hosts[j] as HostPort, this.hosts[i] as HostPort];
    }
  }

  get size(): number {
    return this.hosts.length;
  }

  get all(): readonly HostPort[] {
    return this.hosts;
  }

  next(): HostPort {
    return this.hosts[this.index++ % this.hosts.length] as HostPort;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
