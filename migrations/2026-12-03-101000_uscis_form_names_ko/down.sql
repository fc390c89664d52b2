ALTER TABLE uscis_fees DROP COLUMN name_ko;
