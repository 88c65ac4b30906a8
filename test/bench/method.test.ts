/** The benchmarks' method helpers: load guard verdicts, filesystem recording, medians, the paced driver. */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { afterEach, describe, it } from "node:test";
import { medianFigure } from "../../bench/lib/emit.js";
import { LOAD_ENV, checkLoad, describeFilesystem, describeLoad } from "../../bench/lib/machine.js";
import { spread } from "../../bench/tasks/measure.js";
import { paced, sequential, type OneSubmitter } from "../../bench/tasks/one-by-one.js";

describe("bench method helpers", () => {
  afterEach(() => {
    delete process.env[LOAD_ENV];
  });

  it("checkLoad under run-all carries run-all's verdict and never throws", () => {
    const parent = { load: [9, 9, 9], cores: 2, over: true, allowed: true };
    process.env[LOAD_ENV] = JSON.stringify(parent);
    const c = checkLoad();
    assert.equal(c.over, true);
    assert.equal(c.allowed, true);
    assert.deepEqual(c.runAll, [9, 9, 9]);
    assert.match(describeLoad(c), /ABOVE the core count/);
  });

  it("checkLoad allowed never throws and marks only an overloaded run", () => {
    const c = checkLoad({ allowLoad: true });
    assert.equal(c.allowed, c.over);
    assert.equal(c.load.length, 3);
  });

  it("describeFilesystem names the type and mount of a directory", () => {
    const f = describeFilesystem(tmpdir());
    assert.notEqual(f.type, "?");
    assert.ok(f.mount.startsWith("/"));
    assert.equal(f.path, tmpdir());
  });

  it("spread gives a measured median with min and max; one round gets no range", () => {
    assert.deepEqual(spread([5, 1, 3, 4, 2]), { median: 3, min: 1, max: 5, n: 5 });
    assert.equal(spread([4, 1]).median, 1);
    const f = medianFigure(
      { key: "k", label: "l", unit: "ms", higherIsBetter: false },
      spread([2, 1, 3]),
      spread([7]),
    );
    assert.deepEqual(f.range, [1, 3]);
    assert.equal(f.anchor, 7);
    assert.equal(f.anchorRange, undefined);
    assert.equal(f.samples, 1);
  });

  it("paced offers the rate and times tasks from their due time; sequential keeps one in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const one: OneSubmitter = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      return {
        done: new Promise<void>((r) => setTimeout(r, 2)).then(() => void inFlight--),
      };
    };
    const p = await paced(500, 200, one);
    assert.equal(p.n, 100);
    assert.ok(p.p50 >= 2, `p50 ${p.p50}`);
    assert.ok(p.achieved > 250 && p.achieved < 1000, `achieved ${p.achieved}`);
    most = 0;
    const s = await sequential(10, one);
    assert.equal(s.n, 10);
    assert.equal(most, 1);
  });
});
