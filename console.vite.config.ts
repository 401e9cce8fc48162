/**
 * Builds the console (React, in console/) into dist/console, which `strata serve` serves at /console/.
 * `scripts/build.mjs` runs this on `npm install`; the console test builds it afresh.
 */
import { join } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: join(import.meta.dirname, "console"),
  base: "/console/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: join(import.meta.dirname, "dist", "console"),
    emptyOutDir: true,
    // One bundle, no source maps to ship: the console is small and served from the package.
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
