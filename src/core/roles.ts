/**
 * Roles (DESIGN.md §8), each including the one before: `viewer` reads, `operator` starts and
 * signals runs, `editor` edits drafts and runs tests, `reviewer` approves or rejects drafts
 * (ADR 0015), `publisher` publishes, rolls out, rolls back, retires and restores, `admin`
 * deletes and manages tokens, bindings and policy.
 */

/** The roles, weakest first. */
export const ROLES = ["viewer", "operator", "editor", "reviewer", "publisher", "admin"] as const;

/** A role. */
export type Role = (typeof ROLES)[number];

/** Whether `role` may do what `required` may. */
export function hasRole(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Whether a text names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
