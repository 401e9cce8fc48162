-- Four-eyes review before publish (issue 18, ADR 0015).
--
-- A review is one decision about one revision of a draft: a request for review, an approval
-- or a rejection, by an actor (a token's name, or `token:<id>` for a token without one), with
-- the token's id beside it. Reviews stay with the version after it is published (its history);
-- a revert or a discard of the draft removes them.
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

-- Who edited the draft since it was opened (JSON array of actors, the opener first), so that
-- none of them approves it; and, once published, the approvals the publish consumed.
ALTER TABLE versions ADD COLUMN editors TEXT;
ALTER TABLE versions ADD COLUMN approved_by TEXT;

-- L2 for the approvals: what a published version records about its review never changes.
CREATE TRIGGER versions_approvals_immutable
BEFORE UPDATE OF approved_by ON versions
WHEN OLD.published_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'version_immutable: a published version cannot be changed');
END;

-- The token an actor spoke with, beside the actor's name (null for the CLI's local mode and
-- the system's own actors). Part of an event's hash when set.
ALTER TABLE audit_events ADD COLUMN actor_token_id TEXT;

-- The reviewer role, between editor and publisher. SQLite cannot change a CHECK in place: the
-- table is built again with the new one and the rows copied over.
CREATE TABLE tokens_next (
  tenant_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'editor', 'reviewer', 'publisher', 'admin')),
  name        TEXT,
  secret_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  TEXT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id)
);
INSERT INTO tokens_next (tenant_id, id, role, name, secret_hash, created_at, created_by, revoked_at)
  SELECT tenant_id, id, role, name, secret_hash, created_at, created_by, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_next RENAME TO tokens;
