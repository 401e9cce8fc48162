/**
 * One problem found in a definition, located by a dotted path such as
 * `nodes.route.cases[1].when` and, when it lies inside a node, by the node id and the field
 * within that node, so an editor can point at it.
 */

/** What kind of problem it is. */
export type ProblemCode =
  | "schema"
  | "unknown_node"
  | "missing_start"
  | "unreachable"
  | "no_terminal_path"
  | "expression_invalid"
  | "input_schema_invalid"
  | "unknown_handler"
  | "duration_out_of_range";

/** A validation problem, reported with its node and field (DESIGN.md §4). */
export interface DefinitionProblem {
  /** Where it is, for example `nodes.route.cases[1].when`; `""` is the whole definition. */
  path: string;
  /** The node it lies in, if any. */
  node?: string;
  /** The path within the node (`cases[1].when`), or the top-level field (`start`). */
  field?: string;
  code: ProblemCode;
  message: string;
}

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Formats segments as a dotted path: `nodes.route.cases[1].when`, `assign["a b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Builds a problem at `segments`, deriving its node and field from the path. */
export function problemAt(
  segments: readonly PathSegment[],
  code: ProblemCode,
  message: string,
): DefinitionProblem {
  const problem: DefinitionProblem = { path: formatPath(segments), code, message };
  const [first, second] = segments;
  if (first === "nodes" && typeof second === "string") {
    problem.node = second;
    if (segments.length > 2) problem.field = formatPath(segments.slice(2));
  } else if (segments.length > 0) {
    problem.field = formatPath(segments);
  }
  return problem;
}

/**
 * Decodes a JSON Pointer (RFC 6901) into segments, turning a segment into an array index
 * only where the data holds an array, so `cases/1` becomes `cases[1]` but a key "1" stays a key.
 */
export function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === "") return [];
  const segments: PathSegment[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const segment = Array.isArray(current) && /^\d+$/.test(key) ? Number(key) : key;
    segments.push(segment);
    current = valueAt(current, [segment]);
  }
  return segments;
}

/** The value at `segments` inside `data`, or undefined. */
export function valueAt(data: unknown, segments: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}
