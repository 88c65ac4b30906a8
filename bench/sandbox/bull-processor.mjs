// BullMQ's sandboxed processor file for bench/sandbox.ts: a no-op job.
export default async () => null;
