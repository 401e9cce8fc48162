/**
 * How a batch of statements crosses to the write thread (./write-thread.ts): as one string,
 * since one string crosses faster than the structured clone of many values, but not as JSON.
 * A run's row carries its input, trace and snapshot as JSON text already; JSON-encoding the
 * batch escaped every quote in them again, and the thread parsed them back: a few percent of
 * the event loop under load (docs/performance.md).
 *
 * Here each value is a type letter and, for text, its length, then the text as it is:
 * `n` null, `i<digits>;` a number, `b<digits>;` a bigint, `s<length>:<text>` a string.
 * Each statement is `q<count>;` then its SQL as a string, or `=` for the SQL of the statement
 * before it (a batch of outcomes is one UPDATE text many times over: sent once, its text is
 * not copied again, and the thread finds its prepared statement by the same string), then its
 * `count` values. Lengths are in UTF-16 code units, as JavaScript's `slice` counts them, so
 * any text round-trips.
 */

/** A value better-sqlite3 binds, of the kinds the batches carry. */
export type BatchValue = string | number | bigint | null;

/** A statement of a batch: its SQL and its positional parameters. */
export interface BatchStatement {
  sql: string;
  parameters: readonly unknown[];
}

/** The batch as one string. Throws for a parameter that is not a {@link BatchValue}. */
export function encodeBatch(statements: readonly BatchStatement[]): string {
  let text = "";
  let previous: string | undefined;
  for (const { sql, parameters } of statements) {
    text +=
      sql === previous ? `q${parameters.length};=` : `q${parameters.length};s${sql.length}:${sql}`;
    previous = sql;
    for (const value of parameters) text += encodeValue(value);
  }
  return text;
}

function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return "n";
  switch (typeof value) {
    case "string":
      return `s${value.length}:${value}`;
    case "number":
      return `i${value};`;
    case "bigint":
      return `b${value};`;
    default:
      throw new TypeError(
        `a write batch cannot carry a parameter of type ${typeof value}; bind text, numbers or null`,
      );
  }
}

/** The statements {@link encodeBatch} encoded. */
export function decodeBatch(text: string): { sql: string; parameters: BatchValue[] }[] {
  const statements: { sql: string; parameters: BatchValue[] }[] = [];
  let at = 0;
  /** The digits from `at` up to `end`, moving past `end`. */
  const upTo = (end: string): string => {
    const stop = text.indexOf(end, at);
    if (stop < 0) throw new Error(`malformed write batch at ${at}: no '${end}'`);
    const digits = text.slice(at, stop);
    at = stop + 1;
    return digits;
  };
  const value = (): BatchValue => {
    const type = text[at++];
    switch (type) {
      case "n":
        return null;
      case "i":
        return Number(upTo(";"));
      case "b":
        return BigInt(upTo(";"));
      case "s": {
        const length = Number(upTo(":"));
        const string = text.slice(at, at + length);
        at += length;
        return string;
      }
      default:
        throw new Error(`malformed write batch at ${at - 1}: unknown type '${type}'`);
    }
  };
  while (at < text.length) {
    if (text[at++] !== "q") throw new Error(`malformed write batch at ${at - 1}: no statement`);
    const count = Number(upTo(";"));
    const previous = statements.at(-1)?.sql;
    const sql = text[at] === "=" && previous !== undefined ? (at++, previous) : value();
    if (typeof sql !== "string") throw new Error("malformed write batch: a statement has no SQL");
    const parameters: BatchValue[] = [];
    for (let i = 0; i < count; i++) parameters.push(value());
    statements.push({ sql, parameters });
  }
  return statements;
}
