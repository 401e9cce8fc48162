/**
 * Truthiness as JSONata's `$boolean` defines it, for `switch` conditions: a condition such as
 * `items[price > 100]` should branch the way the same test inside an expression would.
 */
import { isJsonataFunction } from "./json-value.js";

/**
 * Whether `value` counts as true: undefined, null, false, 0, NaN, "", empty arrays, empty
 * objects and functions are false; an array is true when any member is.
 */
export function toBoolean(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((member) => toBoolean(member));
  switch (typeof value) {
    case "boolean":
      return value;
    case "string":
      return value.length > 0;
    case "number":
      return value !== 0 && !Number.isNaN(value);
    case "object":
      return value !== null && !isJsonataFunction(value) && Object.keys(value).length > 0;
    default:
      // undefined, and JavaScript functions, which JSONata treats as false.
      return false;
  }
}
