-- Room in each page of `runs` for updated versions of its rows (issue 16). A worker's claim and
-- a lease's heartbeat change only `lease_owner` and `lease_until`, which no index holds; with
-- free space on the row's page PostgreSQL writes such an update as a heap-only tuple (HOT),
-- touching none of the table's indexes, instead of a new entry in every one of them. Pages
-- filled to 100% (the default) leave no room, so every claim rewrote nine index entries per
-- run. Applies to pages written from now on; existing pages fill as they are rewritten.
ALTER TABLE runs SET (fillfactor = 80);
