/** A one-line progress display, redrawn in place on a terminal and silent elsewhere (logs stay clean). */

export interface ProgressLine {
  /** Redraws the line (at most every 80 ms unless `force`). */
  update(text: string, force?: boolean): void;
  /** Leaves the last text on its own line. */
  done(text?: string): void;
}

export function bar(done: number, total: number, width = 28): string {
  const frac = total === 0 ? 1 : Math.min(1, done / total);
  const full = Math.round(frac * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%`;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const tty = stream.isTTY === true;
  let last = 0;
  let shown = "";
  return {
    update(text, force = false) {
      shown = text;
      if (!tty) return;
      const now = Date.now();
      if (!force && now - last < 80) return;
      last = now;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns || 120) - 1)}`);
    },
    done(text) {
      if (text !== undefined) shown = text;
      if (tty) stream.write(`\r\x1b[2K${shown}\n`);
    },
  };
}
