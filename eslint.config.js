import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "**/*.mjs", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: ["test", "describe", "it", "suite", "before", "after", "beforeEach", "afterEach"],
            },
          ],
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      "no-console": "error",
    },
  },
  {
    files: ["src/cli/**", "bench/**", "scripts/**", "test/**", "examples/**"],
    rules: { "no-console": "off" },
  },
  {
    // The CLI and the dashboard use the layers below them only through their public entry points
    // (what overseer/tasks, /client, /recipes, /server and the dashboard's index export).
    files: ["src/cli/**/*.ts", "src/dashboard/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+(client|server|recipes|tasks|dashboard)/(?!index\\.js$)",
              message:
                "cli/ and dashboard/ import other layers only through their index.ts (export what you need there, by name).",
            },
            {
              regex: "^(\\.\\./)+protocol/",
              message: "cli/ and dashboard/ do not use the wire protocol; the client exports what they need.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["eslint.config.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
