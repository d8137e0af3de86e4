-- The key a package is looked up by in the vulnerability database
-- (match.PackageQueryKey: the ecosystem without its release suffix, a tab,
-- the normalised name of the package or of its source package), for the
-- targeted re-match of issue 12: the packages a changed advisory can
-- affect are those whose match_key it names. NULL until filled: the store
-- fills it at ingest, and for rows written before this migration when it
-- opens (Store.fillMatchKeys; the normalisation is Go code). The other
-- dialect's 00005 is the same change.

-- +goose Up
ALTER TABLE packages ADD COLUMN match_key TEXT;
CREATE INDEX packages_match_key ON packages (match_key);
