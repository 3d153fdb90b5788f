import { defineConfig } from "vitest/config";

// The browser tests: real local servers, Debian's Chromium, one file at a time.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
