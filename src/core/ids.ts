import { fromUUIDBytes } from "typeid-js";
import { v7 } from "uuid";

/** The TypeID prefixes of Strata's objects (DESIGN.md §1). */
export type IdPrefix = "wfl" | "wflv" | "run" | "bnd" | "rol" | "bkt" | "evt" | "tok" | "rvw";

/**
 * A new, time-sortable TypeID such as `wfl_01h2xcejqtf2nbrexx3vqjhp41`: a UUIDv7 (the same
 * generator typeid-js uses) in TypeID's base32. Built from those two parts rather than with
 * `typeid()`, which also decodes the text it just encoded to check it, and took three times
 * as long (1.3 µs, on every run start).
 */
export function newId(prefix: IdPrefix): string {
  const bytes = new Uint8Array(16);
  v7(undefined, bytes);
  return fromUUIDBytes(prefix, bytes);
}

/** Whether `value` looks like an id of the given prefix (used to tell ids from keys). */
export function hasIdPrefix(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && value.length === prefix.length + 27;
}
