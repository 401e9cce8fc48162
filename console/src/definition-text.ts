/**
 * A definition as the draft editor shows it: YAML text, parsed in the browser while the author
 * types. YAML 1.2 is a superset of JSON, so pasted JSON parses too. The options are those of the
 * server's `parseDefinitionText` (src/core/definition/parse-definition.ts, which reads files and
 * so cannot ship to the browser): duplicate keys are errors, errors carry their line and column.
 */
import { parseDocument, stringify } from "yaml";

/** One reason the text is not a definition, located in the text when the parser knew where. */
export interface TextError {
  message: string;
  /** Counted from 1. */
  line: number | null;
  column: number | null;
}

/** The text's definition (not yet validated: the server does that on save), or why there is none. */
export type ParsedText =
  { ok: true; definition: Record<string, unknown> } | { ok: false; errors: TextError[] };

/** Parses definition text written in YAML or JSON. */
export function parseDefinitionText(text: string): ParsedText {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => {
        const position = error.linePos?.[0];
        // prettyErrors appends "at line L, column C:" and an excerpt; the first line says it.
        const message = (error.message.split("\n")[0] ?? error.message)
          .replace(/ at line \d+, column \d+:?$/, "")
          .replace(/:$/, "");
        return { message, line: position?.line ?? null, column: position?.col ?? null };
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (thrown) {
    // toJS refuses, for example, an alias expanded too often (a "billion laughs" document).
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return { ok: false, errors: [{ message, line: null, column: null }] };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {
      ok: false,
      errors: [
        {
          message: "a definition is a mapping of fields (name, start, nodes…), not a single value",
          line: null,
          column: null,
        },
      ],
    };
  }
  return { ok: true, definition: value as Record<string, unknown> };
}

/** The top-level fields in the order an author reads them; any others follow as stored. */
const FIELD_ORDER = ["name", "description", "inputSchema", "routingKey", "start", "nodes"];

/**
 * A stored definition as YAML text; long expressions stay on one line. The server keeps the
 * canonical form (keys sorted), so fields are put back in reading order: name and start
 * before the nodes, each node's `type` first. Key order changes neither meaning nor hash.
 */
export function definitionText(definition: unknown): string {
  return stringify(inReadingOrder(definition), { lineWidth: 0 });
}

function inReadingOrder(definition: unknown): unknown {
  if (!isMapping(definition)) return definition;
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) if (Object.hasOwn(definition, key)) ordered[key] = definition[key];
  for (const [key, value] of Object.entries(definition))
    if (!(key in ordered)) ordered[key] = value;
  if (isMapping(ordered.nodes)) {
    ordered.nodes = Object.fromEntries(
      Object.entries(ordered.nodes).map(([id, node]) => [
        id,
        isMapping(node) && Object.hasOwn(node, "type") ? { type: node.type, ...node } : node,
      ]),
    );
  }
  return ordered;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
