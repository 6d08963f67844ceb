import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real-engine suite (real PostgreSQL, the pulumi CLI) runs apart: vitest.engine.config.mts.
    exclude: ["test/engine/**", "**/node_modules/**"],
    // Each test file gets its own module graph: the Pulumi runtime keeps global state (mocks, config, stack).
    isolate: true,
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
