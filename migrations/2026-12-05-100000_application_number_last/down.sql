DROP TRIGGER applications_number_kept ON applications;
DROP FUNCTION applications_number_kept();
DROP TRIGGER applications_numbered ON applications;
DROP FUNCTION applications_numbered();
ALTER TABLE applications DROP CONSTRAINT applications_number_check;
ALTER TABLE applications ALTER COLUMN number DROP DEFAULT;
ALTER TABLE applications ADD CONSTRAINT applications_number_check
    CHECK (number ~ '^CEF-[0-9]{4}-[0-9]{5,}$');
