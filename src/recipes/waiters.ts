/** Promises waiting for the next value of something (a term, a lock), each abortable on its own. */
export class Waiters<T> {
  private readonly pending = new Set<{ resolve: (v: T) => void; reject: (e: Error) => void }>();

  wait(signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted === true) return reject(signal.reason as Error);
      const onAbort = (): void => {
        this.pending.delete(entry);
        reject(signal?.reason as Error);
      };
      const entry = {
        resolve: (v: T): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e: Error): void => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.pending.add(entry);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  resolveAll(value: T): void {
    const all = [...this.pending];
    this.pending.clear();
    for (const w of all) w.resolve(value);
  }

  rejectAll(err: Error): void {
    const all = [...this.pending];
    this.pending.clear();
    for (const w of all) w.reject(err);
  }
}
