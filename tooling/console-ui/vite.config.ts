import { defineConfig } from "vite";

// Preact's JSX through esbuild (no Babel preset): the whole build is esbuild plus Rollup.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: false },
  logLevel: "warn",
});
