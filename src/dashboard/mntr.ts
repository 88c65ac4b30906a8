/**
 * The `mntr` four-letter word: `zk_<name>\t<value>` lines. Our embedded server and Apache ZooKeeper both
 * answer it when it is whitelisted (`--4lw mntr,srvr` / `4lw.commands.whitelist=mntr,srvr`); otherwise
 * they answer a refusal text, which we report as such.
 */
import { connect } from "node:net";

export type MntrResult = { ok: true; values: Map<string, number> } | { ok: false; error: string };

/** Sends `mntr` to host:port and returns its numeric figures. Never rejects. */
export function fetchMntr(host: string, port: number, timeoutMs = 2000): Promise<MntrResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const done = (r: MntrResult): void => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: `no answer within ${timeoutMs} ms` }));
    socket.on("connect", () => socket.end("mntr"));
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", (err) => done({ ok: false, error: err.message }));
    socket.on("close", () => done(parseMntr(Buffer.concat(chunks).toString("utf8"))));
  });
}

export function parseMntr(text: string): MntrResult {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const key = line.slice(0, tab).trim();
    const raw = line.slice(tab + 1).trim();
    if (!/^zk_[a-z0-9_]+$/i.test(key)) continue;
    if (key === "zk_server_state") {
      // The one text figure that matters: expose it as a 1-valued state.
      values.set(`zk_server_state_${raw.replace(/[^a-z0-9_]/gi, "_")}`, 1);
      continue;
    }
    const n = Number(raw);
    if (raw !== "" && Number.isFinite(n)) values.set(key.toLowerCase(), n);
  }
  if (values.size === 0)
    return { ok: false, error: text.trim() === "" ? "empty answer" : text.trim().slice(0, 200) };
  return { ok: true, values };
}
