/**
 * Reading a definition's text. YAML 1.2 is a superset of JSON, so YAML parsing is the default
 * and accepts both; `"json"` asks for strict JSON (what an `application/json` body promises).
 * A syntax error becomes `definition_invalid` with its line and column.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parseDocument } from "yaml";
import { StrataError } from "../errors.js";

/** The text formats a definition can be written in. */
export type DefinitionFormat = "yaml" | "json";

/** One syntax error, located in the text (lines and columns count from 1). */
export interface SyntaxProblem {
  path: "";
  message: string;
  line?: number;
  column?: number;
}

/**
 * Parses definition text into a plain value (not yet validated: see `validateDefinition`).
 * YAML duplicate keys are refused rather than silently keeping the last one.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat = "yaml"): unknown {
  return format === "json" ? parseJson(text) : parseYaml(text);
}

/** Reads and parses a `.yaml`, `.yml` or `.json` definition file, choosing the format by extension. */
export async function loadDefinitionFile(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(extension)) {
    throw new StrataError(
      "validation_failed",
      `cannot tell the format of '${path}': name the file .yaml, .yml or .json`,
    );
  }
  const text = await readDefinitionFile(path);
  return parseDefinitionText(text, extension === ".json" ? "json" : "yaml");
}

async function readDefinitionFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (thrown) {
    if ((thrown as { code?: unknown }).code === "ENOENT") {
      throw new StrataError("not_found", `definition file '${path}' does not exist`, {
        cause: thrown,
      });
    }
    throw thrown;
  }
}

function parseYaml(text: string): unknown {
  // uniqueKeys (the default) makes duplicate keys an error; merge keys stay off (YAML 1.2).
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error): SyntaxProblem => {
      const position = error.linePos?.[0];
      // prettyErrors appends "at line L, column C:" and a code excerpt; keep the first line.
      const message = (error.message.split("\n")[0] ?? error.message).replace(/:$/, "");
      return position === undefined
        ? { path: "", message }
        : { path: "", message, line: position.line, column: position.col };
    });
    throw syntaxError("YAML", problems);
  }
  try {
    return document.toJS();
  } catch (thrown) {
    // toJS refuses, for example, an alias expanded too often (a "billion laughs" document).
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw syntaxError("YAML", [{ path: "", message }]);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const position = jsonErrorPosition(message, text);
    const at =
      position.line === undefined ? "" : ` at line ${position.line}, column ${position.column}`;
    throw syntaxError("JSON", [{ path: "", message: `${message}${at}`, ...position }]);
  }
}

/**
 * The line and column of a `JSON.parse` error, from the "position N" some Node versions put
 * in the message; Node 20 often gives none, and then the message stands alone.
 */
function jsonErrorPosition(message: string, text: string): { line?: number; column?: number } {
  const offset = /position (\d+)/.exec(message)?.[1];
  if (offset === undefined) return {};
  const before = text.slice(0, Number(offset)).split("\n");
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** Each problem's message already says where it is, when the parser knew. */
function syntaxError(format: string, problems: SyntaxProblem[]): StrataError {
  const detail = problems[0] === undefined ? "" : `: ${problems[0].message}`;
  return new StrataError(
    "definition_invalid",
    `the definition is not valid ${format}${detail}; fix the syntax and try again`,
    { details: problems },
  );
}
