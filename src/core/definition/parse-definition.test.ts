import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, expect } from "vitest";
import { StrataError, isStrataError } from "../errors.js";
import { hashDefinition } from "./canonical.js";
import { loadDefinitionFile, parseDefinitionText } from "./parse-definition.js";

const YAML_TEXT = `
start: a
nodes:
  a: { type: set, assign: { x: "1 + 1" }, next: b }
  b:
    type: end
    output: x
`;

const JSON_TEXT = `{
  "nodes": {
    "b": { "output": "x", "type": "end" },
    "a": { "next": "b", "assign": { "x": "1 + 1" }, "type": "set" }
  },
  "start": "a"
}`;

/** The error `run` throws (the test fails when it throws none). */
function thrownBy(run: () => unknown): StrataError {
  try {
    run();
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
  throw new Error("expected a StrataError");
}

describe("parseDefinitionText", () => {
  it("reads YAML and JSON into the same value, with the same hash", () => {
    const fromYaml = parseDefinitionText(YAML_TEXT);
    const fromJson = parseDefinitionText(JSON_TEXT, "json");
    expect(fromYaml).toEqual({
      start: "a",
      nodes: {
        a: { type: "set", assign: { x: "1 + 1" }, next: "b" },
        b: { type: "end", output: "x" },
      },
    });
    expect(fromJson).toEqual(fromYaml);
    expect(hashDefinition(fromJson)).toBe(hashDefinition(fromYaml));
  });

  it("reads JSON text as YAML too (YAML is a superset)", () => {
    expect(parseDefinitionText(JSON_TEXT, "yaml")).toEqual(parseDefinitionText(JSON_TEXT, "json"));
  });

  it("reports a YAML syntax error with its line and column", () => {
    const error = thrownBy(() => parseDefinitionText("start: a\nnodes: [a, b\nnext: c\n"));
    expect(error.code).toBe("definition_invalid");
    expect(error.message).toMatch(/not valid YAML: .*line 3, column 1/);
    expect(error.details).toEqual([
      {
        path: "",
        message: expect.stringMatching(/line 3, column 1$/) as unknown,
        line: 3,
        column: 1,
      },
    ]);
  });

  it("refuses duplicate YAML keys instead of keeping the last", () => {
    const error = thrownBy(() => parseDefinitionText("start: a\nstart: b\n"));
    expect(error.code).toBe("definition_invalid");
    expect(error.message).toMatch(/unique/);
    expect((error.details as { line?: number }[])[0]?.line).toBe(2);
  });

  it("reports a JSON syntax error as definition_invalid", () => {
    const error = thrownBy(() => parseDefinitionText('{"start": "a",}', "json"));
    expect(error.code).toBe("definition_invalid");
    expect(error.message).toMatch(/not valid JSON/);
    const [detail] = error.details as { path: string; message: string }[];
    expect(detail?.path).toBe("");
    expect(detail?.message.length).toBeGreaterThan(0);
  });

  it("refuses YAML when asked for JSON", () => {
    expect(() => parseDefinitionText(YAML_TEXT, "json")).toThrow(/not valid JSON/);
  });
});

describe("loadDefinitionFile", () => {
  it("reads .yaml, .yml and .json files by their extension", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-definition-"));
    await writeFile(join(dir, "a.yaml"), YAML_TEXT);
    await writeFile(join(dir, "a.yml"), YAML_TEXT);
    await writeFile(join(dir, "a.json"), JSON_TEXT);
    const expected = parseDefinitionText(YAML_TEXT);
    await expect(loadDefinitionFile(join(dir, "a.yaml"))).resolves.toEqual(expected);
    await expect(loadDefinitionFile(join(dir, "a.yml"))).resolves.toEqual(expected);
    await expect(loadDefinitionFile(join(dir, "a.json"))).resolves.toEqual(expected);
  });

  it("parses a .json file strictly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-definition-"));
    await writeFile(join(dir, "bad.json"), YAML_TEXT);
    await expect(loadDefinitionFile(join(dir, "bad.json"))).rejects.toThrow(/not valid JSON/);
  });

  it("refuses other extensions and names a missing file", async () => {
    const rejection = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e,
      );
    const wrongKind = await rejection(loadDefinitionFile("flow.txt"));
    expect(isStrataError(wrongKind, "validation_failed")).toBe(true);
    const missing = await rejection(loadDefinitionFile(join(tmpdir(), "no-such-definition.yaml")));
    expect(isStrataError(missing, "not_found")).toBe(true);
  });
});
