-- New findings are counted by the writer, not by a trigger (issue 11,
-- session 15); the other dialect's 00020 is the same change, where the
-- row-level trigger cost a tenth of the writer's CPU. Here the
-- statement-level trigger did the same aggregate; one code path
-- (store.insertFindings, the only insert of findings) now counts on both
-- databases, in the transaction of the insert. The update and delete
-- triggers stay.
-- +goose Up
DROP TRIGGER finding_counts_insert ON findings;
DROP FUNCTION finding_counts_insert();
