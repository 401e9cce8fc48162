/** Limits and defaults for stored definitions. */
import { canonicalJson } from "./definition/canonical.js";
import { StrataError } from "./errors.js";

/** The largest definition Strata stores by default, as canonical JSON (256 KiB). */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** The definition a draft starts with when there is nothing to copy: one step that ends. */
export const STARTER_DEFINITION = Object.freeze({
  start: "done",
  nodes: { done: { type: "end", output: {} } },
});

/**
 * The canonical JSON text stored for a definition. Drafts may be invalid while they are edited
 * (L5), but they must be a JSON object of bounded size.
 */
export function storableDefinition(
  definition: unknown,
  maxBytes: number = MAX_DEFINITION_BYTES,
): string {
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new StrataError(
      "validation_failed",
      "a definition must be a JSON object (YAML mapping) with `start` and `nodes`",
    );
  }
  const text = canonicalJson(definition);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new StrataError(
      "payload_too_large",
      `the definition is ${bytes} bytes as canonical JSON; the limit is ${maxBytes} bytes: split it into smaller workflows`,
    );
  }
  return text;
}
