// The real-engine suite (`test/engine/**`): real servers and processes, run one file at a time with long timeouts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/engine/**/*.test.ts"],
    isolate: true,
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
