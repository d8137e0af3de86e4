-- What the findings of a package were last re-matched with: a hash of
-- the matches of its whole (ecosystem, name) group (the member ids and
-- every match of them) as of the re-match that last reconciled the
-- group, written in that re-match's last transaction. A re-match whose
-- fresh matches hash the same for every member has nothing to change on
-- any artifact, so it skips reading and reconciling them. NULL: not known
-- (never re-matched, or written before this migration): the group is
-- reconciled. See docs/decisions/rematch.md.

-- +goose Up
ALTER TABLE packages ADD COLUMN match_hash TEXT;
