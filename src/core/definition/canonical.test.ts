import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { isStrataError } from "../errors.js";
import { canonicalJson, hashDefinition } from "./canonical.js";

/** A copy of `value` with every object's keys in a new order, chosen by `seed`. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, index) => shuffleKeys(item, seed + index));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  // A deterministic Fisher–Yates driven by a tiny LCG, so failures replay.
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, shuffleKeys(item, seed + 1)]));
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

describe("canonicalJson", () => {
  it("sorts keys recursively, keeps array order and writes no whitespace", () => {
    expect(canonicalJson({ b: [3, 1, { z: 1, a: 2 }], a: "x", c: { y: null, x: true } })).toBe(
      '{"a":"x","b":[3,1,{"a":2,"z":1}],"c":{"x":true,"y":null}}',
    );
  });

  it("sorts keys by UTF-16 code units (RFC 8785 §3.2.3)", () => {
    // "\u{1F600}" is a surrogate pair (0xD83D…), which sorts before "\uFB33" by code unit.
    expect(canonicalJson({ "\uFB33": 1, "\u{1F600}": 2, a: 3, A: 4 })).toBe(
      '{"A":4,"a":3,"\u{1F600}":2,"\uFB33":1}',
    );
  });

  it("writes numbers as ECMAScript does", () => {
    expect(canonicalJson([1e21, 1.5, -0, 0.1 + 0.2, 1e-7])).toBe(
      "[1e+21,1.5,0,0.30000000000000004,1e-7]",
    );
  });

  it("drops undefined object members and honours toJSON", () => {
    expect(canonicalJson({ a: undefined, b: 1, at: new Date(0) })).toBe(
      '{"at":"1970-01-01T00:00:00.000Z","b":1}',
    );
  });

  it.each([
    [{ a: Infinity }, "$.a"],
    [[1, NaN], "$[1]"],
    [{ a: [undefined] }, "$.a[0]"],
    [{ f: () => 1 }, "$.f"],
    [{ n: 1n }, "$.n"],
  ])("refuses what JSON cannot hold: %o", (value, path) => {
    let thrown: unknown;
    try {
      canonicalJson(value);
    } catch (error) {
      thrown = error;
    }
    expect(isStrataError(thrown, "validation_failed")).toBe(true);
    expect((thrown as Error).message).toContain(path);
  });

  it("refuses cycles but allows the same object twice", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it("round-trips: parsing the canonical text gives the same JSON value", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        // Compared through JSON.stringify, which, like RFC 8785, writes -0 as 0.
        const plain = JSON.parse(JSON.stringify(value)) as unknown;
        expect(JSON.parse(canonicalJson(value))).toEqual(plain);
      }),
    );
  });

  it("does not depend on key order (property)", () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });
});

describe("hashDefinition", () => {
  it("is sha256 of the canonical JSON", () => {
    // sha256 of the two bytes "{}".
    expect(hashDefinition({})).toBe(
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    );
  });

  it("ignores key order and whitespace of the source text", () => {
    const compact = JSON.parse('{"start":"a","nodes":{"a":{"type":"end"}}}') as unknown;
    const spaced = JSON.parse(
      '{\n  "nodes": { "a": { "type": "end" } },\n  "start": "a"\n}',
    ) as unknown;
    expect(hashDefinition(spaced)).toBe(hashDefinition(compact));
  });

  it("is invariant under key shuffles and differs for different values (property)", () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, fc.nat(), (a, b, seed) => {
        expect(hashDefinition(shuffleKeys(a, seed))).toBe(hashDefinition(a));
        if (canonicalJson(a) !== canonicalJson(b)) {
          expect(hashDefinition(a)).not.toBe(hashDefinition(b));
        }
      }),
    );
  });

  it("differs when one member's value differs (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), jsonValue, { maxKeys: 5 }),
        fc.string(),
        jsonValue,
        jsonValue,
        (rest, key, first, second) => {
          fc.pre(canonicalJson(first) !== canonicalJson(second));
          const a = { ...rest, [key]: first };
          const b = { ...rest, [key]: second };
          expect(hashDefinition(a)).not.toBe(hashDefinition(b));
        },
      ),
    );
  });

  it("changes when any value of a definition changes", () => {
    const base = { start: "a", nodes: { a: { type: "end", output: "x" } } };
    const changed = { start: "a", nodes: { a: { type: "end", output: "y" } } };
    expect(hashDefinition(changed)).not.toBe(hashDefinition(base));
  });
});
