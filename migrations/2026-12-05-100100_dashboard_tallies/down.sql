DROP INDEX fee_lines_receipt_missing;
DROP INDEX applications_open;
DROP FUNCTION fold_application_tallies();
DROP TRIGGER applications_tally_change ON applications;
DROP TRIGGER applications_tally ON applications;
DROP FUNCTION applications_tally();
DROP TABLE application_tallies;
