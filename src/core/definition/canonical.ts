/**
 * Canonical JSON in the spirit of RFC 8785 (JCS): object members sorted by key in UTF-16 code
 * unit order, no whitespace, numbers and strings written as ECMAScript's `JSON.stringify` writes
 * them (which is what JCS specifies). Two definitions that differ only in key order or layout,
 * or in YAML versus JSON, get the same text and so the same hash.
 */
import { createHash } from "node:crypto";
import { StrataError } from "../errors.js";

/**
 * The canonical JSON text of `value`. Object members whose value is `undefined` are dropped
 * (as `JSON.stringify` does); `toJSON` is honoured (dates become strings). Throws
 * `validation_failed` for what JSON cannot represent: non-finite numbers, `undefined` outside an
 * object member, functions, symbols, bigints and cycles.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "$", new Set());
}

/** `sha256:` and the hex SHA-256 of the canonical JSON of `def` (UTF-8). */
export function hashDefinition(def: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(def), "utf8").digest("hex")}`;
}

function write(input: unknown, path: string, ancestors: Set<object>): string {
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw unrepresentable(path, String(value));
      return JSON.stringify(value);
    case "object":
      return writeContainer(value, path, ancestors);
    default:
      throw unrepresentable(path, typeof value);
  }
}

function writeContainer(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw unrepresentable(path, "a cycle");
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, index) => write(item, `${path}[${index}]`, ancestors)).join(",")}]`;
  } else {
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, the order RFC 8785 §3.2.3 asks for.
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    const members = keys.map(
      (key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, ancestors)}`,
    );
    text = `{${members.join(",")}}`;
  }
  ancestors.delete(value);
  return text;
}

function hasToJson(value: unknown): value is { toJSON: () => unknown } {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  );
}

function unrepresentable(path: string, what: string): StrataError {
  return new StrataError(
    "validation_failed",
    `${path} is ${what}, which JSON cannot represent; remove it or use a plain JSON value`,
    { details: [{ path, message: `${what} is not JSON` }] },
  );
}
