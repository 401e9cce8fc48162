/**
 * Keeping a run's data plain JSON. Whatever an expression or a handler returns is stored in
 * the snapshot and the trace, which the executor writes to a database: a value that JSON
 * cannot hold would come back different after a crash, and the run would decide differently.
 */

/** Whether `value` is one of JSONata's function values (a lambda or a built-in). */
export function isJsonataFunction(value: object): boolean {
  const tagged = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return tagged._jsonata_lambda === true || tagged._jsonata_function === true;
}

/**
 * `value` as `JSON.parse(JSON.stringify(value))` would give it, without the text: functions
 * (JSONata's too) and undefined vanish from objects and become null in arrays, non-finite
 * numbers become null, `toJSON` is honoured; -0 becomes 0. A fresh copy: nothing is shared.
 */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value + 0 : null; // + 0 turns -0 into 0
    case "object":
      return value === null ? null : objectToJson(value);
    default:
      return undefined; // undefined, functions, symbols, bigints
  }
}

function objectToJson(value: object): unknown {
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === "function") {
    return toJsonValue((withToJson.toJSON as () => unknown).call(value));
  }
  if (isJsonataFunction(value)) return undefined;
  // Mapping also drops the `sequence` flag JSONata puts on the arrays it builds.
  if (Array.isArray(value)) return value.map((member: unknown) => toJsonValue(member) ?? null);
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const json = toJsonValue(member);
    if (json !== undefined) setOwn(result, key, json);
  }
  return result;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Sets `key` as an own, enumerable property. Plain assignment would treat `__proto__` (a valid
 * state key, and node id) as the prototype instead; JSON and the snapshot must keep it as data.
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty is slow (and turns objects into dictionaries in V8): only the one key
  // plain assignment gets wrong needs it.
  if (key !== "__proto__") {
    record[key] = value;
    return;
  }
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The own property `key`, never one inherited from `Object.prototype` (`constructor`…). */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
