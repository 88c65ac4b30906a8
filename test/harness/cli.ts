/**
 * The `overseer` command as the tests spawn it: the compiled CLI (dist/cli/main.js, what the package's bin
 * runs), not src/ through tsx — a spawn costs ≈ 0.5 s instead of ≈ 1.3 s, and the CLI tests spawn hundreds.
 * scripts/run-tests.mjs builds dist/ before the test files start; a stale dist/ fails here, saying so.
 */
import { fileURLToPath } from "node:url";
import { assertBuilt } from "../../scripts/dist.js";

assertBuilt();

/** Path of the compiled CLI entry: spawn `process.execPath` with it and the command's arguments. */
export const CLI_MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
