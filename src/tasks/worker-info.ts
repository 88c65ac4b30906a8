/** A worker's /workers node data: written by the worker, read by the master and by the cluster reader. */

/** What a worker advertises in its /workers node; the master routes on it. */
export interface WorkerInfo {
  capacity: number;
  /** Handlers it runs at once (capacity − concurrency = its prefetch); older workers: = capacity. */
  concurrency: number;
  labels: string[];
  /** Task types it has handlers for. */
  types: string[];
  /** Takes raw seed tasks. */
  raw: boolean;
  host: string;
  pid: number;
}

export function decodeWorkerInfo(data: Buffer | null): WorkerInfo {
  const text = data === null ? "" : data.toString("utf8");
  try {
    const v = JSON.parse(text) as Partial<WorkerInfo>;
    return {
      capacity: typeof v.capacity === "number" ? v.capacity : 1,
      concurrency:
        typeof v.concurrency === "number" ? v.concurrency : typeof v.capacity === "number" ? v.capacity : 1,
      labels: Array.isArray(v.labels) ? v.labels.filter((l) => typeof l === "string") : [],
      types: Array.isArray(v.types) ? v.types.filter((l) => typeof l === "string") : [],
      raw: v.raw === true,
      host: typeof v.host === "string" ? v.host : "",
      pid: typeof v.pid === "number" ? v.pid : 0,
    };
  } catch {
    // A worker registered by hand in zkCli (`create -e /workers/w1 "host:port"`): one raw task at a time.
    return { capacity: 1, concurrency: 1, labels: [], types: [], raw: true, host: text, pid: 0 };
  }
}
