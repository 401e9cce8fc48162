#!/usr/bin/env node
// The `strata` command. The compiled CLI lives in dist/, built by `npm install` (prepare).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "strata: dist/ is missing; run `npm run build` (npm install does it for you)\n",
  );
  process.exit(1);
}
await import(entry.href);
