import { connect } from "node:net";
import { LOOPBACK } from "./ports.js";

/**
 * Sends a ZooKeeper four-letter word (e.g. `srvr`, `ruok`, `mntr`) on a fresh TCP connection and resolves with
 * everything the server writes before it closes the connection. Rejects on connection errors or after
 * `timeoutMs`.
 */
export function fourLetterWord(
  port: number,
  word: string,
  timeoutMs = 2000,
  host = LOOPBACK,
): Promise<string> {
  if (word.length !== 4) throw new Error(`a four-letter word has four letters, got ${JSON.stringify(word)}`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word} on ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(word));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** The `Mode:` line of a `srvr` reply (`standalone`, `leader`, `follower`, `observer`), if it has one. */
export function parseMode(srvr: string): string | undefined {
  return /^Mode: (\S+)$/m.exec(srvr)?.[1];
}

/** Resolves with the server's mode, or `undefined` if it is unreachable or not serving requests yet. */
export async function serverMode(
  port: number,
  timeoutMs = 1000,
  host = LOOPBACK,
): Promise<string | undefined> {
  try {
    return parseMode(await fourLetterWord(port, "srvr", timeoutMs, host));
  } catch {
    return undefined;
  }
}
