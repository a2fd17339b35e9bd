import { defineConfig } from "vitest/config";

// Browser tests: cosfn dev and Chromium start once per file, and a click waits for the page.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
