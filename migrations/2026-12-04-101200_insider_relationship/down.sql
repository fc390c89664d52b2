ALTER TABLE applications DROP COLUMN insider_note, DROP COLUMN insider_relationship;
