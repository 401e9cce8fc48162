-- Database-side guards for invariants the code also checks (DESIGN.md §8: what the database
-- can enforce, it enforces). PostgreSQL triggers; SQLite has the same in 0002_guards.sqlite.sql.

-- L2: a published version's definition, number and publishedAt never change.
CREATE FUNCTION strata_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.published_at IS NOT NULL AND (
       NEW.definition IS DISTINCT FROM OLD.definition OR NEW.hash IS DISTINCT FROM OLD.hash
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.published_at IS DISTINCT FROM OLD.published_at
  ) THEN
    RAISE EXCEPTION 'version_immutable: a published version cannot be changed';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions
FOR EACH ROW EXECUTE FUNCTION strata_versions_immutable();

-- L14: audit events are append-only.
CREATE FUNCTION strata_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_append_only: audit events cannot be changed or deleted (%)', TG_OP;
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION strata_audit_append_only();
