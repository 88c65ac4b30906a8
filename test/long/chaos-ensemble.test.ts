/** A short chaos run on a 3-node Apache ZooKeeper ensemble (test/chaos): every fault kind, the checker must pass. */
import { chaosCiTest } from "../chaos/ci-run.js";

chaosCiTest("ensemble");
