/**
 * Reading an audit bundle from untrusted JSON (a file an auditor was handed). The shape is
 * checked before anything is verified, so the verifier never has to guess what a field of the
 * wrong type means; unknown fields are refused, so nothing rides along in a bundle that no
 * check covers. A shape problem is `validation_failed`; a bundle of the right shape whose
 * content does not check out is a verdict of {@link verifyAuditBundle}, not an error.
 */
import { AUDIT_BUNDLE_FORMAT } from "./audit-bundle.js";
import type { AuditBundle } from "./audit-bundle.js";
import { StrataError } from "./errors.js";
import type { AuditEvent } from "./model.js";

/** The fields of a bundle (each checked in {@link parseAuditBundle}). */
const BUNDLE_FIELDS = [
  "format",
  "tenantId",
  "exportedAt",
  "head",
  "events",
  "definitions",
  "missing",
];
/** The fields of an event, each with the check of its value (`null` when it fits). */
const EVENT_FIELDS: Record<keyof AuditEvent, (value: unknown) => string | null> = {
  id: text,
  seq: wholeNumber,
  at: text,
  actor: text,
  actorTokenId: textOrNull,
  action: text,
  workflowId: textOrNull,
  subjectId: textOrNull,
  before: anything,
  after: anything,
  prevHash: text,
  hash: text,
};

/**
 * Checks that `value` (parsed JSON) has the shape of an audit bundle of this format and
 * returns it typed. Throws `validation_failed` naming the first field that does not fit, with
 * `details: [{path, message}]`.
 */
export function parseAuditBundle(value: unknown): AuditBundle {
  if (!isObject(value)) fail("", "an audit bundle is a JSON object");
  checkFormat(value.format);
  checkFields(value, BUNDLE_FIELDS, "");
  check("tenantId", text(value.tenantId));
  check("exportedAt", text(value.exportedAt));
  checkHead(value.head);
  if (!Array.isArray(value.events)) fail("events", "must be an array of audit events");
  value.events.forEach((event: unknown, index) => checkEvent(event, `events[${index}]`));
  if (!isObject(value.definitions)) fail("definitions", "must be an object of definitions by hash");
  if (!Array.isArray(value.missing)) fail("missing", "must be an array of definition hashes");
  value.missing.forEach((hash: unknown, index) => check(`missing[${index}]`, text(hash)));
  return value as unknown as AuditBundle;
}

/** A missing marker means this is no bundle at all; another one, a bundle of another layout. */
function checkFormat(format: unknown): void {
  if (format === AUDIT_BUNDLE_FORMAT) return;
  if (typeof format === "string" && format.startsWith("strata-audit-bundle/")) {
    fail(
      "format",
      `is ${format}, which this version of Strata cannot read (it reads ${AUDIT_BUNDLE_FORMAT}); verify it with the Strata that wrote it or a newer one`,
    );
  }
  fail(
    "format",
    `must be "${AUDIT_BUNDLE_FORMAT}": this is not a Strata audit bundle (\`strata audit export --out F\` writes one)`,
  );
}

function checkHead(head: unknown): void {
  if (head === null) return;
  if (!isObject(head)) fail("head", "must be {seq, hash}, or null for a log without events");
  checkFields(head, ["seq", "hash"], "head");
  check("head.seq", wholeNumber(head.seq));
  check("head.hash", text(head.hash));
}

function checkEvent(event: unknown, path: string): void {
  if (!isObject(event)) fail(path, "must be an audit event object");
  checkFields(event, Object.keys(EVENT_FIELDS), path);
  for (const [field, checkValue] of Object.entries(EVENT_FIELDS)) {
    // Bundles exported before tokens had names (issue 18) have no actorTokenId: an event
    // without one hashes as it did, so it verifies as it did.
    if (field === "actorTokenId" && !Object.hasOwn(event, field)) continue;
    if (!Object.hasOwn(event, field)) fail(`${path}.${field}`, "is required");
    check(`${path}.${field}`, checkValue(event[field]));
  }
}

/** Refuses fields the format does not have. */
function checkFields(value: Record<string, unknown>, known: readonly string[], path: string): void {
  const unknown = Object.keys(value).find((field) => !known.includes(field));
  if (unknown !== undefined) {
    fail(path === "" ? unknown : `${path}.${unknown}`, "is not a field of the bundle format");
  }
}

function check(path: string, problem: string | null): void {
  if (problem !== null) fail(path, problem);
}

function fail(path: string, message: string): never {
  const where = path === "" ? "" : `${path} `;
  throw new StrataError("validation_failed", `not a valid audit bundle: ${where}${message}`, {
    details: [{ path, message }],
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" ? null : "must be a string";
}

function textOrNull(value: unknown): string | null {
  return value === null || typeof value === "string" ? null : "must be a string or null";
}

function wholeNumber(value: unknown): string | null {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? null
    : "must be a whole number, 0 or more";
}

function anything(): null {
  return null;
}
