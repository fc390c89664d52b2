DROP FUNCTION fee_components_text(BIGINT);
DROP TABLE fee_line_components;
DROP FUNCTION fee_line_components_sum_check();
ALTER TABLE fee_lines DROP COLUMN renewal, DROP COLUMN filed_on, DROP COLUMN due_on;
DROP TABLE statutory_fees;
DELETE FROM uscis_fees WHERE form IN ('I-589', 'I-821', 'I-360');
DROP TRIGGER uscis_fees_append_only ON uscis_fees;
DROP TRIGGER uscis_fees_no_truncate ON uscis_fees;
REVOKE INSERT ON uscis_fees FROM grant_tracker_app;
