/** A short chaos run on the embedded server (test/chaos): every fault kind, the checker must pass. */
import { chaosCiTest } from "../chaos/ci-run.js";

chaosCiTest("embedded");
