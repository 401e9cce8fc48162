-- Four-eyes review before publish (issue 18, ADR 0015). See 0011_reviews.sqlite.sql for what
-- each change is for; the SQL differs only where the dialects do.
CREATE TABLE reviews (
  tenant_id      TEXT NOT NULL,
  id             TEXT NOT NULL,
  workflow_id    TEXT NOT NULL,
  version_id     TEXT NOT NULL,
  -- The review's place among the draft's, given under the draft's lock: what a person decided
  -- last is the one with the highest seq, whatever the clocks of the processes said.
  seq            INTEGER NOT NULL,
  revision       INTEGER NOT NULL,
  decision       TEXT NOT NULL CHECK (decision IN ('request', 'approve', 'reject')),
  actor          TEXT NOT NULL,
  actor_token_id TEXT,
  note           TEXT,
  at             TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, version_id) REFERENCES versions (tenant_id, id),
  UNIQUE (tenant_id, version_id, seq)
);

ALTER TABLE versions ADD COLUMN editors TEXT;
ALTER TABLE versions ADD COLUMN approved_by TEXT;

CREATE FUNCTION strata_versions_approvals_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.published_at IS NOT NULL AND NEW.approved_by IS DISTINCT FROM OLD.approved_by THEN
    RAISE EXCEPTION 'version_immutable: a published version cannot be changed';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER versions_approvals_immutable BEFORE UPDATE ON versions
FOR EACH ROW EXECUTE FUNCTION strata_versions_approvals_immutable();

ALTER TABLE audit_events ADD COLUMN actor_token_id TEXT;

ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
  CHECK (role IN ('viewer', 'operator', 'editor', 'reviewer', 'publisher', 'admin'));
