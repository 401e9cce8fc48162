/**
 * YAML request bodies: `Content-Type: application/yaml` (or `text/yaml`, `application/x-yaml`)
 * carries the same document as the JSON body would, spelled in YAML, so a definition can be
 * sent as the file it was written in. It is parsed as plain data (no custom tags, aliases
 * bounded) and then validated exactly like JSON.
 */
import type { FastifyInstance } from "fastify";
import { parse } from "yaml";
import { StrataError } from "../core/errors.js";

/** The media types read as YAML. */
export const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"];

/** Adds the YAML body parser to `app`. */
export function registerYamlBodies(app: FastifyInstance): void {
  app.addContentTypeParser(YAML_TYPES, { parseAs: "string" }, (_request, text, done) => {
    try {
      done(
        null,
        parse(text as string, {
          maxAliasCount: 50,
          prettyErrors: true,
          logLevel: "error",
        }) as unknown,
      );
    } catch (thrown) {
      const reason = thrown instanceof Error ? thrown.message.split("\n")[0] : "unreadable";
      done(
        new StrataError(
          "validation_failed",
          `the request body is not valid YAML (${reason ?? "unreadable"})`,
        ),
        undefined,
      );
    }
  });
}
