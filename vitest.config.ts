import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here: one worker per core. Each test file gets its own SQLite file and its
    // own PostgreSQL database, so files never share state.
    pool: "forks",
  },
});
