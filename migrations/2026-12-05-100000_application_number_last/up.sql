-- An application takes its number last, just before its creating transaction commits
-- (issue 17): the year's counter row is then locked for one statement and the commit,
-- not for the dozen round trips of the whole creation, which every creation in the
-- system used to queue behind. Until then the row carries a placeholder that no other
-- transaction can see (the row is uncommitted) and that no transaction may commit.
ALTER TABLE applications DROP CONSTRAINT applications_number_check;
ALTER TABLE applications ALTER COLUMN number SET DEFAULT 'pending-' || gen_random_uuid();
ALTER TABLE applications ADD CONSTRAINT applications_number_check
    CHECK (number ~ '^CEF-[0-9]{4}-[0-9]{5,}$' OR number ~ '^pending-[0-9a-f-]{36}$');

-- At commit every application has its number, and a number once given never changes.
CREATE FUNCTION applications_numbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM applications WHERE id = NEW.id AND number LIKE 'pending-%') THEN
        RAISE EXCEPTION 'application % has no number at commit', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER applications_numbered AFTER INSERT ON applications
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION applications_numbered();

CREATE FUNCTION applications_number_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.number IS DISTINCT FROM OLD.number AND OLD.number NOT LIKE 'pending-%' THEN
        RAISE EXCEPTION 'application % keeps its number %', OLD.id, OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER applications_number_kept BEFORE UPDATE OF number ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_number_kept();
