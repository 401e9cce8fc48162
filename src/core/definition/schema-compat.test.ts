/**
 * The compatibility table of the issue (optional field added, required field added, field
 * removed, type widened, type narrowed, enum value added and removed, additionalProperties
 * tightened), checked in every mode, plus nested fields, bounds and unknown keywords.
 */
import { describe, expect, it } from "vitest";
import { breakingChanges, compareInputSchemas } from "./schema-compat.js";
import type { CompatibilityMode, SchemaChangeKind } from "./schema-compat.js";

const base = {
  type: "object",
  required: ["amount", "currency"],
  properties: {
    amount: { type: "integer" },
    currency: { type: "string", enum: ["EUR", "USD"] },
    note: { type: "string" },
  },
};

type Row = [
  string,
  unknown,
  SchemaChangeKind,
  Record<Exclude<CompatibilityMode, "none">, "ok" | "breaks">,
];

const TABLE: Row[] = [
  [
    "optional field added",
    { ...base, properties: { ...base.properties, channel: { type: "string" } } },
    "property_added",
    { backward: "ok", forward: "ok", full: "ok" },
  ],
  [
    "required field added",
    {
      ...base,
      required: [...base.required, "channel"],
      properties: { ...base.properties, channel: { type: "string" } },
    },
    "required_property_added",
    { backward: "breaks", forward: "ok", full: "breaks" },
  ],
  [
    "required field removed",
    {
      ...base,
      required: ["amount"],
      properties: { amount: base.properties.amount, note: base.properties.note },
    },
    "property_removed",
    { backward: "ok", forward: "breaks", full: "breaks" },
  ],
  [
    "type widened (integer → number)",
    { ...base, properties: { ...base.properties, amount: { type: "number" } } },
    "type_widened",
    { backward: "ok", forward: "breaks", full: "breaks" },
  ],
  [
    "type changed (string → integer)",
    { ...base, properties: { ...base.properties, note: { type: "integer" } } },
    "type_changed",
    { backward: "breaks", forward: "breaks", full: "breaks" },
  ],
  [
    "type narrowed (number|string → string)",
    null,
    "type_narrowed",
    { backward: "breaks", forward: "ok", full: "breaks" },
  ],
  [
    "enum value added",
    {
      ...base,
      properties: { ...base.properties, currency: { type: "string", enum: ["EUR", "USD", "GBP"] } },
    },
    "enum_value_added",
    { backward: "ok", forward: "breaks", full: "breaks" },
  ],
  [
    "enum value removed",
    { ...base, properties: { ...base.properties, currency: { type: "string", enum: ["EUR"] } } },
    "enum_value_removed",
    { backward: "breaks", forward: "ok", full: "breaks" },
  ],
  [
    "additionalProperties tightened",
    { ...base, additionalProperties: false },
    "additional_properties_tightened",
    { backward: "breaks", forward: "ok", full: "breaks" },
  ],
];

describe("compareInputSchemas", () => {
  for (const [name, after, kind, expected] of TABLE) {
    it(`classifies: ${name}`, () => {
      const before =
        after === null
          ? { type: "object", properties: { id: { type: ["number", "string"] } } }
          : base;
      const next = after ?? { type: "object", properties: { id: { type: "string" } } };
      const changes = compareInputSchemas(before, next);
      expect(changes.map((c) => c.kind)).toEqual([kind]);
      for (const mode of ["backward", "forward", "full"] as const) {
        expect(breakingChanges(changes, mode).length > 0 ? "breaks" : "ok", mode).toBe(
          expected[mode],
        );
      }
      expect(breakingChanges(changes, "none")).toEqual([]);
    });
  }

  it("finds nothing between equal schemas, whatever the key order", () => {
    const reordered = JSON.parse(
      JSON.stringify({ properties: base.properties, required: base.required, type: "object" }),
    ) as unknown;
    expect(compareInputSchemas(base, reordered)).toEqual([]);
  });

  it("walks nested objects and array items, naming the path", () => {
    const before = {
      type: "object",
      properties: {
        applicant: { type: "object", properties: { age: { type: "integer", minimum: 18 } } },
        tags: { type: "array", items: { type: "string", maxLength: 20 } },
      },
    };
    const after = {
      type: "object",
      properties: {
        applicant: { type: "object", properties: { age: { type: "integer", minimum: 21 } } },
        tags: { type: "array", items: { type: "string", maxLength: 40 } },
      },
    };
    const changes = compareInputSchemas(before, after);
    expect(changes.map((c) => [c.path, c.kind, c.breaksBackward, c.breaksForward])).toEqual([
      ["/applicant/age", "bound_tightened", true, false],
      ["/tags/*", "bound_loosened", false, true],
    ]);
  });

  it("counts a field removed from a closed schema as breaking backward", () => {
    const before = { type: "object", additionalProperties: false, properties: { a: {}, b: {} } };
    const after = { type: "object", additionalProperties: false, properties: { a: {} } };
    expect(compareInputSchemas(before, after)).toMatchObject([
      { kind: "property_removed", path: "/b", breaksBackward: true, breaksForward: false },
    ]);
  });

  it("treats keywords it cannot compare as breaking both ways", () => {
    const changes = compareInputSchemas(
      { oneOf: [{ type: "string" }] },
      { oneOf: [{ type: "number" }] },
    );
    expect(changes).toMatchObject([
      { kind: "not_comparable", breaksBackward: true, breaksForward: true },
    ]);
  });

  it("reports an added or removed schema", () => {
    expect(compareInputSchemas(undefined, base)).toMatchObject([
      { kind: "schema_added", breaksBackward: true },
    ]);
    expect(compareInputSchemas(base, undefined)).toMatchObject([
      { kind: "schema_removed", breaksForward: true },
    ]);
  });
});
