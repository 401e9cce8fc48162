/** One value that changed, at a path within its owner. */
export interface FieldChange {
  /** `start`, `cases[0].when`, `retry.maxAttempts`, `decision`… (empty for the value itself) */
  field: string;
  /** Absent values are `null` here, so the diff stays plain JSON. */
  before: unknown;
  after: unknown;
}

/**
 * Deep equality of JSON values, with the canonical form's view of objects: key order does not
 * matter and a member that is `undefined` counts as absent.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => jsonEqual(left[key], right[key]));
}

/** The leaves that differ between two values, with their paths (objects and arrays walked). */
export function jsonChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (jsonEqual(before, after)) return [];
  const bothObjects = isPlainObject(before) && isPlainObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (!bothObjects && !bothArrays) {
    return [{ field: path, before: before ?? null, after: after ?? null }];
  }
  if (bothArrays) {
    const left = before as unknown[];
    const right = after as unknown[];
    const changes: FieldChange[] = [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      changes.push(...jsonChanges(left[i], right[i], `${path}[${i}]`));
    }
    return changes;
  }
  const left = before as Record<string, unknown>;
  const right = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.flatMap((key) =>
    jsonChanges(left[key], right[key], path === "" ? key : `${path}.${key}`),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
