import { defineConfig } from "vitest/config";

// Browser tests: cosfn dev and Chromium start once per file, and a click waits for the page. expect.poll waits up
// to 20 s for what the page shows (a function's invocation, an image decoded) on a loaded machine.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000, expect: { poll: { timeout: 20_000, interval: 100 } } },
});
