/**
 * The CLI's output conventions (DESIGN.md §7). With `--json`, exactly one JSON document goes to
 * stdout: the object, or an array for lists, or `{"error": {…}}` on failure. Otherwise short
 * human text: tables for lists, `key: value` blocks for single objects, and errors on stderr as
 * `error[<code>]: <message>` followed by their problems, one per line.
 */
import type { StrataError } from "../core/errors.js";
import type { CliIo } from "./cli-io.js";

/** Writes a command's result or failure in the chosen mode. */
export class Output {
  constructor(
    private readonly io: CliIo,
    /** Whether `--json` was given. */
    readonly json: boolean,
  ) {}

  /** Prints a result: `value` as one JSON document with `--json`, else the text `human` builds. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else writeText(this.io.stdout, human());
  }

  /**
   * A line for people while a long command works (the worker's progress and round errors):
   * on stderr in both modes, so stdout keeps only the result.
   */
  note(text: string): void {
    writeText(this.io.stderr, text);
  }

  /** Prints a failure: `{"error": …}` on stdout with `--json`, else `error[code]: …` on stderr. */
  error(error: StrataError): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    else writeText(this.io.stderr, formatError(error));
  }
}

/** The human form of an error: `error[code]: message`, then its problems indented. */
export function formatError(error: StrataError): string {
  return [`error[${error.code}]: ${error.message}`, ...indent(problemLines(error.details))].join(
    "\n",
  );
}

/** The problems in an error's `details`, one line each (`path: message`); none for non-lists. */
export function problemLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.map((item: unknown) => formatProblem(item));
}

/**
 * One problem as `path: message`. A syntax problem (path `""` with a line) already says where
 * it is in its message, so it stands alone; another whole-definition problem shows `(definition)`.
 */
export function formatProblem(problem: unknown): string {
  if (typeof problem !== "object" || problem === null) return String(problem);
  const { path, message, line } = problem as Record<string, unknown>;
  if (typeof message !== "string") return JSON.stringify(problem);
  if (typeof path === "string" && path !== "") return `${path}: ${message}`;
  return typeof line === "number" ? message : `(definition): ${message}`;
}

/** What a table cell or block value can be; `null`, `undefined` and `""` show as `-`. */
export type Cell = string | number | boolean | null | undefined;

/** `key: value` lines with the values aligned; `null` and `undefined` show as `-`. */
export function formatBlock(entries: ReadonlyArray<readonly [string, Cell]>): string {
  const width = Math.max(0, ...entries.map(([key]) => key.length)) + 2;
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width)}${cell(value)}`).join("\n");
}

/** A table with a header row and space-aligned columns (the last column is not padded). */
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
): string {
  const cells = [headers.map(String), ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? "").length)),
  );
  return cells
    .map((row) =>
      row
        .map((value, column) =>
          column === row.length - 1 ? value : value.padEnd(widths[column] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Lines indented by two spaces, for summaries and problem lists under a block. */
export function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

/** A timestamp in tables: `YYYY-MM-DD HH:MM` (UTC), or `-`. */
export function shortTime(iso: string | null): string {
  return iso === null ? "-" : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A `sha256:` hash shortened to its first 12 hex digits, as in the versions table. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, "").slice(0, 12);
}

function cell(value: Cell): string {
  return value === null || value === undefined || value === "" ? "-" : String(value);
}

function writeText(sink: CliIo["stdout"], text: string): void {
  sink.write(text.endsWith("\n") ? text : `${text}\n`);
}
