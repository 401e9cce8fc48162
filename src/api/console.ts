/**
 * The web console (DESIGN.md §7), built from console/ into dist/console by `npm run build`
 * (which `npm install` runs). The server hands out its files at /console/ without a token:
 * they hold no data, and everything the console shows comes from the API with the token its
 * user signs in with. `/` leads there.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where the built console is: beside the compiled server, or in dist/ when run from src/. */
export function defaultConsoleDir(): string | null {
  const candidates = [
    new URL("../console/", import.meta.url),
    new URL("../../dist/console/", import.meta.url),
  ];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return null;
}

/**
 * Serves the console from `dir` at /console/. Built file names carry a content hash, so they
 * may be cached for good; index.html is asked for afresh each time, so a new build shows at once.
 */
export async function registerConsole(app: FastifyInstance, dir: string | null): Promise<void> {
  if (dir === null) return;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: "/console/",
    redirect: true,
    index: "index.html",
    cacheControl: false, // set below, per file
    setHeaders: (response, path) => {
      response.setHeader(
        "cache-control",
        path.includes(`${join("assets", "")}`) ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/console/"));
}
