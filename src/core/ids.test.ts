import { fromString, toUUID } from "typeid-js";
import { describe, expect, it } from "vitest";
import { hasIdPrefix, newId } from "./ids.js";

describe("ids", () => {
  it("are TypeIDs of the prefix, holding a UUIDv7", () => {
    const id = newId("run");
    expect(hasIdPrefix(id, "run")).toBe(true);
    expect(fromString(id, "run")).toBe(id); // typeid-js parses and checks it
    expect(toUUID(fromString(id, "run"))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
  });

  it("sort in the order they were made, even within one millisecond", () => {
    const ids = Array.from({ length: 2000 }, () => newId("wfl"));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
