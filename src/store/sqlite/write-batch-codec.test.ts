import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch } from "./write-batch-codec.js";

const value = fc.oneof(
  fc.constant(null),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("q", "s", "i", "n", ":", ";", "0", "9", '"', "\\") }),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
);
// A few texts besides any: batches repeat one statement's SQL (sent once, then referred to).
const statement = fc.record({
  sql: fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom("=", "UPDATE runs", "")),
  parameters: fc.array(value),
});

describe("the write batch codec", () => {
  it("gives back every statement as it was, whatever the text", () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), (statements) => {
        // -0 is the one value that comes back otherwise: as 0, which SQLite stores for it anyway.
        const expected = statements.map((s) => ({
          sql: s.sql,
          parameters: s.parameters.map((p) => (Object.is(p, -0) ? 0 : p)),
        }));
        expect(decodeBatch(encodeBatch(statements))).toEqual(expected);
      }),
    );
  });

  it("sends a statement's SQL once for the statements after it that repeat it", () => {
    const sql = "UPDATE runs SET status = ? WHERE id = ?";
    const text = encodeBatch([
      { sql, parameters: ["completed", "run_a"] },
      { sql, parameters: ["failed", "run_b"] },
    ]);
    expect(text.split(sql)).toHaveLength(2);
    expect(decodeBatch(text).map((statement) => statement.parameters)).toEqual([
      ["completed", "run_a"],
      ["failed", "run_b"],
    ]);
  });

  it("writes undefined as null, and refuses what it cannot carry", () => {
    expect(decodeBatch(encodeBatch([{ sql: "x", parameters: [undefined] }]))).toEqual([
      { sql: "x", parameters: [null] },
    ]);
    expect(() => encodeBatch([{ sql: "x", parameters: [true] }])).toThrow(/type boolean/);
    expect(() => encodeBatch([{ sql: "x", parameters: [Buffer.from("a")] }])).toThrow(
      /type object/,
    );
  });

  it("says where a batch is malformed", () => {
    expect(() => decodeBatch("x")).toThrow(/at 0: no statement/);
    expect(() => decodeBatch("q1;s1:xz")).toThrow(/unknown type 'z'/);
    expect(() => decodeBatch("q1;s1:xi12")).toThrow(/no ';'/);
  });
});
