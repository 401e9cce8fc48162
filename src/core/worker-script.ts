/**
 * Where a worker thread's code is: the built `.js` next to the caller, or else the `.ts` source
 * loaded through tsx (tests and development run the sources).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** `new Worker(script, { eval })` arguments for the module `name` beside `base`. */
export function workerScript(base: string, name: string): { script: string | URL; eval: boolean } {
  const js = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const ts = new URL(`./${name}.ts`, base).href;
  // The ESM entry of tsx's API (`require.resolve` would give its CommonJS one).
  const api = createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs");
  const tsx = pathToFileURL(api).href;
  return {
    script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`,
    eval: true,
  };
}
