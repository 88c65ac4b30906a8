/**
 * npm run chaos -- [--duration 60s] [--backend embedded|ensemble] [--faults list] [--seed N] [--rate N]
 *                  [--target-busy] [--unsafe-disable-fencing] [--unsafe-disable-epoch-fence] [--dir path]
 * Runs the fault-injection suite (test/chaos), prints the report and exits 1 on any invariant violation.
 * Partition faults are on by default where `ip netns` works (root); otherwise the report says why not. The
 * network namespaces are removed on exit, also on Ctrl-C (test/chaos/netns.ts).
 */
import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind } from "../test/chaos/history.js";
import { formatReport } from "../test/chaos/report.js";
import { defaultFaults, runChaos, type BackendKind } from "../test/chaos/run.js";

function duration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (m === null) throw new Error(`--duration: expected e.g. 60s, 10m or 500ms, got ${s}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60s" },
    backend: { type: "string", default: "embedded" },
    faults: { type: "string" },
    seed: { type: "string" },
    rate: { type: "string" },
    dir: { type: "string" },
    "target-busy": { type: "boolean", default: false },
    "unsafe-disable-fencing": { type: "boolean", default: false },
    "unsafe-disable-epoch-fence": { type: "boolean", default: false },
  },
});
const backend = values.backend as BackendKind;
if (backend !== "embedded" && backend !== "ensemble")
  throw new Error(`--backend: expected embedded or ensemble, got ${values.backend}`);
const faults =
  values.faults === undefined
    ? defaultFaults(backend)
    : values.faults.split(",").map((k) => {
        if (!(FAULT_KINDS as readonly string[]).includes(k))
          throw new Error(`--faults: unknown kind ${k} (known: ${FAULT_KINDS.join(", ")})`);
        return k as FaultKind;
      });
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
console.log(`chaos: seed ${seed} (reproduce with --seed ${seed})`);
const run = await runChaos({
  durationMs: duration(values.duration),
  backend,
  seed,
  faults,
  ...(values.rate === undefined ? {} : { rate: Number(values.rate) }),
  ...(values.dir === undefined ? {} : { dir: values.dir }),
  targetBusy: values["target-busy"],
  unsafeDisableFencing: values["unsafe-disable-fencing"],
  unsafeDisableEpochFence: values["unsafe-disable-epoch-fence"],
  log: (l) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${l}`),
});
console.log(formatReport(run));
process.exit(run.result.ok ? 0 : 1);
