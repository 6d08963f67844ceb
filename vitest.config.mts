import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file gets its own module graph: the Pulumi runtime keeps global state (mocks, config, stack).
    isolate: true,
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
