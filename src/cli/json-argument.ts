/**
 * JSON given on the command line (`--input`, `--data`): inline text, or `@file.json` to read a
 * file relative to the working directory. Inline text that is not JSON is a usage error (exit
 * 2, commander names the option); a file is read when the command runs, and a missing or
 * malformed file is refused like a missing `--file` (exit 1).
 */
import { readFile } from "node:fs/promises";
import { InvalidArgumentError } from "commander";
import { StrataError } from "../core/errors.js";

/** A parsed JSON option: the value itself, or the file still to be read. */
export type JsonArgument = { value: unknown } | { file: string };

/** A commander option parser for JSON text or `@path`; anything else is a usage error. */
export function jsonArgument(text: string): JsonArgument {
  if (text.startsWith("@")) {
    if (text.length === 1) throw new InvalidArgumentError("expected a file name after @.");
    return { file: text.slice(1) };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new InvalidArgumentError(
      `expected JSON (${reason}); quote it for the shell, or give @file.json to read a file.`,
    );
  }
}

/**
 * The value of a JSON option, reading its file if it names one; `resolvePath` resolves the
 * file against the CLI's working directory, and `option` names the option in errors.
 */
export async function readJsonArgument(
  argument: JsonArgument,
  option: string,
  resolvePath: (path: string) => string,
): Promise<unknown> {
  if ("value" in argument) return argument.value;
  const path = resolvePath(argument.file);
  const text = await readFile(path, "utf8").catch((thrown: unknown) => {
    const missing = (thrown as { code?: unknown }).code === "ENOENT";
    throw new StrataError(
      missing ? "not_found" : "validation_failed",
      missing ? `${option} file '${path}' does not exist` : `cannot read ${option} file '${path}'`,
      { cause: thrown },
    );
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new StrataError(
      "validation_failed",
      `${option} file '${path}' is not valid JSON (${reason})`,
      { cause: thrown },
    );
  }
}
