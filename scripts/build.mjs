// Compiles src/ to dist/ and copies the assets the compiled code reads at run time
// (numbered SQL migrations). Runs on `npm install` through the `prepare` script so that
// `npx strata` works in a fresh clone.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";

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
