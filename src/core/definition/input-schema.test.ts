import { describe, it, expect } from "vitest";
import { validateDefinition } from "./validate-definition.js";
import { compileInputSchema } from "./input-schema.js";
import { summary, variant } from "./test-support/definition-fixture.js";

describe("validateDefinition: input schema", () => {
  it("reports a schema Ajv cannot compile, at the faulty keyword", () => {
    const def = variant({
      inputSchema: { type: "object", properties: { amount: { type: "numbr" } } },
    });
    const problems = validateDefinition(def);
    expect(summary(problems)).toEqual(["input_schema_invalid inputSchema.properties.amount.type"]);
    expect(problems[0]?.message).toMatch(/allowed values.*number/);
    expect(problems[0]?.field).toBe("inputSchema.properties.amount.type");
  });

  it("refuses unknown keywords (a typo would otherwise validate nothing)", () => {
    const def = variant({
      inputSchema: { type: "object", requried: ["amount"] },
    });
    const problems = validateDefinition(def);
    expect(summary(problems)).toEqual(["input_schema_invalid inputSchema"]);
    expect(problems[0]?.message).toMatch(/requried/);
  });

  it("refuses numbers JSON cannot hold", () => {
    const def = variant({
      "inputSchema.properties.amount.maximum": Infinity,
    });
    expect(summary(validateDefinition(def))).toEqual([
      "input_schema_invalid inputSchema.properties.amount.maximum",
    ]);
  });
});

describe("compileInputSchema", () => {
  it("validates inputs with every error, treating format as an annotation", () => {
    const validate = compileInputSchema({
      type: "object",
      required: ["amount", "email"],
      properties: { amount: { type: "number" }, email: { type: "string", format: "email" } },
    });
    expect(validate({ amount: 5, email: "not an address" })).toBe(true);
    expect(validate({ amount: "5" })).toBe(false);
    expect(validate.errors?.map((error) => error.message)).toEqual([
      "must have required property 'email'",
      "must be number",
    ]);
  });

  it("gives each schema its own Ajv, so a reused $id does not clash", () => {
    const schema = { $id: "https://example.com/loan-input", type: "object" };
    expect(() => {
      compileInputSchema(schema);
      compileInputSchema(schema);
    }).not.toThrow();
  });
});
