/**
 * Input-schema compatibility (DESIGN.md L7), as schema registries define it: a change is
 * *backward* compatible when the new version accepts every input the old one accepted (callers
 * need not change before the publish), *forward* compatible when the old version accepts every
 * input the new one accepts (callers may change first), *full* when both. The comparison walks
 * the JSON Schema subset definitions use — `type`, `properties`, `required`,
 * `additionalProperties`, `enum`, `const`, `items`, and numeric and length bounds — and lists
 * each change with what it breaks. Anything it cannot compare (`$ref`, `oneOf`…) is reported as
 * a change that breaks both ways, so an unknown is never waved through.
 */

/** The modes a workflow can require at publish. */
export type CompatibilityMode = "backward" | "forward" | "full" | "none";

/** The modes, for validation and help texts. */
export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = [
  "backward",
  "forward",
  "full",
  "none",
];

/** What kind of change was found. */
export type SchemaChangeKind =
  | "schema_added"
  | "schema_removed"
  | "property_added"
  | "required_property_added"
  | "property_removed"
  | "property_made_required"
  | "property_made_optional"
  | "type_widened"
  | "type_narrowed"
  | "type_changed"
  | "enum_value_added"
  | "enum_value_removed"
  | "enum_added"
  | "enum_removed"
  | "additional_properties_tightened"
  | "additional_properties_loosened"
  | "bound_tightened"
  | "bound_loosened"
  | "not_comparable";

/** One change between two input schemas. */
export interface SchemaChange {
  /** Where, as a JSON pointer into the input (`/applicant/age`), `/` for the input itself. */
  path: string;
  kind: SchemaChangeKind;
  /** One readable sentence. */
  description: string;
  /** The new version refuses some input the old one accepted. */
  breaksBackward: boolean;
  /** The old version refuses some input the new one accepts. */
  breaksForward: boolean;
}

type Schema = Record<string, unknown>;

/** Keywords this comparison understands; any other one that differs is `not_comparable`. */
const KNOWN = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "enum",
  "const",
  "items",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "description",
  "title",
  "examples",
  "default",
  "$schema",
  "$comment",
]);

/** Every change from `before` to `after` (either may be undefined: no schema accepts all). */
export function compareInputSchemas(before: unknown, after: unknown): SchemaChange[] {
  const changes: SchemaChange[] = [];
  if (before === undefined && after === undefined) return changes;
  if (before === undefined) {
    changes.push(change("/", "schema_added", "an input schema was added", true, false));
    return changes;
  }
  if (after === undefined) {
    changes.push(change("/", "schema_removed", "the input schema was removed", false, true));
    return changes;
  }
  compareNode(asSchema(before), asSchema(after), "/", changes);
  return changes;
}

/** The changes that the mode forbids. */
export function breakingChanges(
  changes: readonly SchemaChange[],
  mode: CompatibilityMode,
): SchemaChange[] {
  if (mode === "none") return [];
  return changes.filter(
    (c) =>
      ((mode === "backward" || mode === "full") && c.breaksBackward) ||
      ((mode === "forward" || mode === "full") && c.breaksForward),
  );
}

function compareNode(before: Schema, after: Schema, path: string, out: SchemaChange[]): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (KNOWN.has(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      out.push(
        change(
          path,
          "not_comparable",
          `keyword ${key} changed at ${path}; Strata cannot tell what that accepts, so it counts as breaking`,
          true,
          true,
        ),
      );
    }
  }
  compareTypes(before, after, path, out);
  compareEnums(before, after, path, out);
  compareBounds(before, after, path, out);
  compareObjects(before, after, path, out);
  if (isSchema(before.items) && isSchema(after.items)) {
    compareNode(before.items, after.items, join(path, "*"), out);
  } else if (isSchema(before.items) !== isSchema(after.items)) {
    const added = isSchema(after.items);
    out.push(
      change(
        path,
        added ? "type_narrowed" : "type_widened",
        added
          ? `array items at ${path} are now constrained`
          : `array items at ${path} are now free`,
        added,
        !added,
      ),
    );
  }
}

/** The set of JSON types a schema allows; null means any. */
function typesOf(schema: Schema): Set<string> | null {
  const type = schema.type;
  if (typeof type === "string") return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === "string"));
  return null;
}

/** Whether type set `a` allows everything `b` allows (`number` includes `integer`). */
function covers(a: Set<string> | null, b: Set<string> | null): boolean {
  if (a === null) return true;
  if (b === null) return false;
  return [...b].every((t) => a.has(t) || (t === "integer" && a.has("number")));
}

function compareTypes(before: Schema, after: Schema, path: string, out: SchemaChange[]): void {
  const old = typesOf(before);
  const next = typesOf(after);
  const wider = covers(next, old);
  const narrower = covers(old, next);
  if (wider && narrower) return;
  const text = (types: Set<string> | null) => (types === null ? "any" : [...types].join(" | "));
  if (wider) {
    out.push(
      change(
        path,
        "type_widened",
        `type at ${path} widened: ${text(old)} → ${text(next)}`,
        false,
        true,
      ),
    );
  } else if (narrower) {
    out.push(
      change(
        path,
        "type_narrowed",
        `type at ${path} narrowed: ${text(old)} → ${text(next)}`,
        true,
        false,
      ),
    );
  } else {
    out.push(
      change(
        path,
        "type_changed",
        `type at ${path} changed: ${text(old)} → ${text(next)}`,
        true,
        true,
      ),
    );
  }
}

/** The allowed values of `enum`/`const`, as JSON texts; null when unrestricted. */
function valuesOf(schema: Schema): Set<string> | null {
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((v) => JSON.stringify(v)));
  if ("const" in schema) return new Set([JSON.stringify(schema.const)]);
  return null;
}

function compareEnums(before: Schema, after: Schema, path: string, out: SchemaChange[]): void {
  const old = valuesOf(before);
  const next = valuesOf(after);
  if (old === null && next === null) return;
  if (old === null) {
    out.push(
      change(path, "enum_added", `values at ${path} are now limited to a list`, true, false),
    );
    return;
  }
  if (next === null) {
    out.push(change(path, "enum_removed", `values at ${path} are no longer limited`, false, true));
    return;
  }
  for (const value of next) {
    if (!old.has(value)) {
      out.push(change(path, "enum_value_added", `value ${value} allowed at ${path}`, false, true));
    }
  }
  for (const value of old) {
    if (!next.has(value)) {
      out.push(
        change(
          path,
          "enum_value_removed",
          `value ${value} no longer allowed at ${path}`,
          true,
          false,
        ),
      );
    }
  }
}

/** Lower bounds rise to tighten; upper bounds fall to tighten. */
const BOUNDS: ReadonlyArray<readonly [string, "lower" | "upper"]> = [
  ["minimum", "lower"],
  ["exclusiveMinimum", "lower"],
  ["minLength", "lower"],
  ["minItems", "lower"],
  ["maximum", "upper"],
  ["exclusiveMaximum", "upper"],
  ["maxLength", "upper"],
  ["maxItems", "upper"],
];

function compareBounds(before: Schema, after: Schema, path: string, out: SchemaChange[]): void {
  for (const [keyword, side] of BOUNDS) {
    const old = typeof before[keyword] === "number" ? before[keyword] : undefined;
    const next = typeof after[keyword] === "number" ? after[keyword] : undefined;
    if (old === next) continue;
    const tighter =
      old === undefined
        ? true
        : next === undefined
          ? false
          : side === "lower"
            ? next > old
            : next < old;
    const text = `${keyword} at ${path}: ${old ?? "none"} → ${next ?? "none"}`;
    out.push(
      tighter
        ? change(path, "bound_tightened", `${text} (tighter)`, true, false)
        : change(path, "bound_loosened", `${text} (looser)`, false, true),
    );
  }
}

function compareObjects(before: Schema, after: Schema, path: string, out: SchemaChange[]): void {
  const oldProps = propertiesOf(before);
  const newProps = propertiesOf(after);
  const oldRequired = requiredOf(before);
  const newRequired = requiredOf(after);
  const oldClosed = before.additionalProperties === false;
  const newClosed = after.additionalProperties === false;
  for (const [name, schema] of newProps) {
    const at = join(path, name);
    const old = oldProps.get(name);
    if (old === undefined) {
      const required = newRequired.has(name);
      // Old inputs lack it: a required one breaks backward. New inputs carry it: an old schema
      // closed to unknown properties refuses them.
      out.push(
        change(
          at,
          required ? "required_property_added" : "property_added",
          `${required ? "required" : "optional"} field ${at} added`,
          required,
          oldClosed,
        ),
      );
      continue;
    }
    compareNode(old, schema, at, out);
    if (newRequired.has(name) && !oldRequired.has(name)) {
      out.push(change(at, "property_made_required", `field ${at} is now required`, true, false));
    } else if (!newRequired.has(name) && oldRequired.has(name)) {
      out.push(change(at, "property_made_optional", `field ${at} is now optional`, false, true));
    }
  }
  for (const name of oldProps.keys()) {
    if (newProps.has(name)) continue;
    const at = join(path, name);
    // Old inputs may carry it: a new schema closed to unknown properties refuses them. New
    // inputs may lack it: the old schema refuses them if it required it.
    out.push(
      change(at, "property_removed", `field ${at} removed`, newClosed, oldRequired.has(name)),
    );
  }
  // Required names without a property schema (allowed by JSON Schema).
  for (const name of newRequired) {
    if (!newProps.has(name) && !oldRequired.has(name) && !oldProps.has(name)) {
      out.push(
        change(
          join(path, name),
          "required_property_added",
          `field ${join(path, name)} is now required`,
          true,
          false,
        ),
      );
    }
  }
  if (!oldClosed && newClosed) {
    out.push(
      change(
        path,
        "additional_properties_tightened",
        `fields not listed at ${path} are no longer accepted`,
        true,
        false,
      ),
    );
  } else if (oldClosed && !newClosed) {
    out.push(
      change(
        path,
        "additional_properties_loosened",
        `fields not listed at ${path} are now accepted`,
        false,
        true,
      ),
    );
  }
}

function propertiesOf(schema: Schema): Map<string, Schema> {
  const properties = schema.properties;
  if (!isSchema(properties)) return new Map();
  return new Map(Object.entries(properties).map(([name, value]) => [name, asSchema(value)]));
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(
    Array.isArray(schema.required)
      ? schema.required.filter((n): n is string => typeof n === "string")
      : [],
  );
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `true` (and a missing schema) accept anything; `false` nothing. */
function asSchema(value: unknown): Schema {
  if (value === false) return { not: {} };
  return isSchema(value) ? value : {};
}

function join(path: string, name: string): string {
  const escaped = name.replaceAll("~", "~0").replaceAll("/", "~1");
  return path === "/" ? `/${escaped}` : `${path}/${escaped}`;
}

function change(
  path: string,
  kind: SchemaChangeKind,
  description: string,
  breaksBackward: boolean,
  breaksForward: boolean,
): SchemaChange {
  return { path, kind, description, breaksBackward, breaksForward };
}
