import { typeid } from "typeid-js";

/** The TypeID prefixes of Strata's objects (DESIGN.md §1). */
export type IdPrefix = "wfl" | "wflv" | "run" | "bnd" | "rol" | "bkt" | "evt" | "tok";

/** A new, time-sortable TypeID such as `wfl_01h2xcejqtf2nbrexx3vqjhp41`. */
export function newId(prefix: IdPrefix): string {
  return typeid(prefix).toString();
}

/** Whether `value` looks like an id of the given prefix (used to tell ids from keys). */
export function hasIdPrefix(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && value.length === prefix.length + 27;
}
