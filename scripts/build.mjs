// Compiles src/ to dist/, copies the assets the compiled code reads at run time (numbered SQL
// migrations), and builds the web console (console/) into dist/console with Vite. Runs on
// `npm install` through the `prepare` script so that `npx strata` and `npm start` work in a
// fresh clone.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { build } from "vite";

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    stdio: "inherit",
  },
);
cpSync("src/store/migrations", "dist/store/migrations", { recursive: true });
await build({ configFile: "console.vite.config.ts" });
