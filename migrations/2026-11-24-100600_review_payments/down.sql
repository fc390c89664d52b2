DROP VIEW payables;
DROP TABLE disbursement_clearings;
DROP TABLE disbursement_voids;
DROP TABLE disbursements;
DROP FUNCTION disbursements_booked();
DROP FUNCTION disbursements_within_approval();
DROP TABLE decisions;
DROP TABLE votes;
DROP FUNCTION votes_separation();
DROP FUNCTION review_barred(BIGINT, BIGINT);
DROP TABLE review_declarations;
ALTER TABLE fee_lines DROP CONSTRAINT fee_lines_receipt_recorded,
    DROP COLUMN receipt_number_sealed, DROP COLUMN receipt_number_index, DROP COLUMN receipt_number_masked,
    DROP COLUMN receipt_recorded_by, DROP COLUMN receipt_recorded_at;
