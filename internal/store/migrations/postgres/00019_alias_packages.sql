-- Alias look-up by package, not by finding (issue 11, session 14). The
-- other dialect's 00019 is the same change.
--
-- finding_aliases held one row per id and alias of every finding, keyed
-- (alias, finding_id): each ingest inserted some 130 rows at as many
-- places in that index, one per distinct alias, and they were 40% of the
-- pages each group commit wrote to the WAL. alias_packages holds one row
-- per (id or alias, package) that a finding on that package has carried:
-- shared by every artifact with the package, so an ingest of known
-- vulnerable packages inserts nothing. It may hold pairs no finding has
-- any more (rows are never deleted): a look-up by alias reads the
-- findings on those packages and keeps those whose own id or aliases
-- (findings.vulnerability_id, findings.aliases) hold it. finding_aliases
-- stays for findings without a package (misconfigurations, secrets) and
-- keeps its rows of earlier findings, exact while their aliases do not
-- change (a change deletes them).

-- +goose Up
CREATE TABLE alias_packages (
    alias      TEXT   NOT NULL,
    package_id BIGINT NOT NULL REFERENCES packages (id),
    PRIMARY KEY (alias, package_id)
);

INSERT INTO alias_packages (alias, package_id)
SELECT DISTINCT fa.alias, f.package_id FROM finding_aliases fa JOIN findings f ON f.id = fa.finding_id
WHERE f.package_id IS NOT NULL;
