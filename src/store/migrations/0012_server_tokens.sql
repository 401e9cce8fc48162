-- The server's own token (issue 18, ADR 0016): an admin of its tenant that may also create
-- tokens in other tenants, which is how a tenant comes to exist on a server. `strata serve`
-- makes its first token one; others are made on the database (`strata token create --role admin --server-token`)
-- or by a server token. Existing tokens stay tenant tokens.
ALTER TABLE tokens ADD COLUMN server INTEGER NOT NULL DEFAULT 0;
