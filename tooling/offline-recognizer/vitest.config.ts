import { defineConfig } from "vitest/config";

// The first test in each file loads the models (1-2 s alone, much longer on a loaded 2-core machine).
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
