-- Database-side guards for invariants the code also checks (DESIGN.md §8: what the database
-- can enforce, it enforces). SQLite triggers; PostgreSQL has the same in 0002_guards.postgres.sql.

-- L2: a published version's definition, number and publishedAt never change.
CREATE TRIGGER versions_immutable
BEFORE UPDATE OF definition, hash, number, published_at ON versions
WHEN OLD.published_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'version_immutable: a published version cannot be changed');
END;

-- L14: audit events are append-only.
CREATE TRIGGER audit_events_no_update
BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_append_only: audit events cannot be changed');
END;

CREATE TRIGGER audit_events_no_delete
BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_append_only: audit events cannot be deleted');
END;
