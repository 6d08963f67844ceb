import { defineConfig } from "vitest/config";

// The real-engine suite (`npm run test:engine`): the Pulumi CLI built from Go modules, the stand-in providers
// and a local PostgreSQL. Files run one at a time: each drives several CLI processes on a 2-core machine.
export default defineConfig({
  test: {
    include: ["test/engine/**/*.test.ts"],
    fileParallelism: false,
    pool: "forks",
    testTimeout: 15 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
