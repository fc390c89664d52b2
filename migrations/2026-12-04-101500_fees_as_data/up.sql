-- Fees as data (SPEC "Fees: the schedule as data"). The USCIS schedule is imported by an
-- admin (POST /api/v1/fees/import) instead of by release: rows are only ever added, each
-- with its effective date, so earlier rows, and every line priced from them, stay as they
-- were. H.R. 1 (Pub. L. 119-21, 2025) statutory fees live beside the regular schedule: they
-- are paid separately, never waived or reduced, and adjusted each January.

-- Forms whose regular fee is nil but which carry an H.R. 1 fee, so that a line can be
-- priced for them (the statutory component is the whole of what is paid).
INSERT INTO uscis_fees (form, category, name, name_ko, filing, fee, effective_from, fee_waiver_available, notes, source) VALUES
    ('I-589', '', 'Application for Asylum and for Withholding of Removal', '망명 및 추방 유예 신청서', 'paper', 0.00, '2024-04-01', false, 'No regular fee; the H.R. 1 asylum fee is paid separately', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-589', '', 'Application for Asylum and for Withholding of Removal', '망명 및 추방 유예 신청서', 'online', 0.00, '2024-04-01', false, 'No regular fee; the H.R. 1 asylum fee is paid separately', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-360', 'SIJ', 'Petition for Special Immigrant Juvenile', '특별 이민 청소년(SIJ) 청원서', 'paper', 0.00, '2024-04-01', false, 'SIJ petitions are exempt from the regular I-360 fee; the H.R. 1 fee is paid separately', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-821', '', 'Application for Temporary Protected Status', '임시 보호 신분(TPS) 신청서', 'paper', 0.00, '2025-07-22', false, 'The registration fee is the H.R. 1 statutory fee; biometrics and the EAD are separate', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-821', '', 'Application for Temporary Protected Status', '임시 보호 신분(TPS) 신청서', 'online', 0.00, '2025-07-22', false, 'The registration fee is the H.R. 1 statutory fee; biometrics and the EAD are separate', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm');

-- The schedule grows by import and never changes: the service may add rows, not edit them.
GRANT INSERT ON uscis_fees TO grant_tracker_app;
SELECT make_append_only('uscis_fees');

CREATE TABLE statutory_fees (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form TEXT NOT NULL CHECK (form ~ '^[A-Z]-[0-9A-Z]+$'),
    -- The eligibility categories the fee applies to (I-765 'c8', I-360 'SIJ'); empty = all.
    categories TEXT[] NOT NULL DEFAULT '{}',
    component TEXT NOT NULL CHECK (component IN ('filing', 'annual', 'initial', 'renewal', 'registration')),
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- The name in Korean, for Korean readers (an imported row takes its predecessor's).
    name_ko TEXT CHECK (name_ko IS NULL OR btrim(name_ko) <> ''),
    fee NUMERIC(14, 2) NOT NULL CHECK (fee >= 0),
    effective_from DATE NOT NULL,
    -- H.R. 1 fees are never waived or reduced; the columns keep the file's own words.
    waivable BOOLEAN NOT NULL CHECK (NOT waivable),
    reducible BOOLEAN NOT NULL CHECK (NOT reducible),
    -- How often it recurs ('yearly while pending' for the annual asylum fee), else null.
    recurring TEXT CHECK (btrim(recurring) <> ''),
    notes TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    UNIQUE (form, categories, component, effective_from)
);
INSERT INTO statutory_fees (form, categories, component, name, fee, effective_from, waivable, reducible, recurring, notes, source) VALUES
    ('I-589', '{}'::text[], 'filing', 'Asylum application fee (H.R. 1)', 100.00, '2025-07-22', false, false, NULL, 'Paid separately from any other fee', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-589', '{}'::text[], 'annual', 'Annual asylum fee (H.R. 1)', 100.00, '2025-07-22', false, false, 'yearly while pending', 'Due each year the application stays pending; paid online', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-765', ARRAY['a4', 'a12', 'c8', 'c11', 'c19', 'c34']::text[], 'initial', 'EAD for asylum applicants / parolees / TPS: initial (H.R. 1)', 550.00, '2025-07-22', false, false, NULL, 'In addition to the regular I-765 fee', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-765', ARRAY['a4', 'a12', 'c8', 'c11', 'c19', 'c34']::text[], 'renewal', 'EAD for asylum applicants / parolees / TPS: renewal or extension (H.R. 1)', 275.00, '2025-07-22', false, false, NULL, 'In addition to the regular I-765 fee', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-821', '{}'::text[], 'registration', 'TPS registration (H.R. 1)', 500.00, '2025-07-22', false, false, NULL, 'Replaces the former 50.00 registration fee; EAD not included', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-360', ARRAY['SIJ']::text[], 'filing', 'Special immigrant juvenile petition (H.R. 1)', 250.00, '2025-07-22', false, false, NULL, '', 'https://www.govinfo.gov/content/pkg/FR-2025-07-22/html/2025-13738.htm'),
    ('I-765', ARRAY['a4', 'a12', 'c8', 'c11', 'c19', 'c34']::text[], 'initial', 'EAD for asylum applicants / parolees / TPS: initial (H.R. 1)', 560.00, '2026-01-01', false, false, NULL, 'Inflation adjustment for FY 2026', 'https://www.govinfo.gov/content/pkg/FR-2025-11-21/html/2025-20622.htm'),
    ('I-589', '{}'::text[], 'annual', 'Annual asylum fee (H.R. 1)', 102.00, '2026-01-01', false, false, 'yearly while pending', 'Inflation adjustment for FY 2026; amount from a secondary source, verify against the notice', 'https://www.govinfo.gov/content/pkg/FR-2025-11-21/html/2025-20622.htm'),
    ('I-765', ARRAY['a4', 'a12', 'c8', 'c11', 'c19', 'c34']::text[], 'renewal', 'EAD for asylum applicants / parolees / TPS: renewal or extension (H.R. 1)', 280.00, '2026-01-01', false, false, NULL, 'Inflation adjustment for FY 2026; amount from a secondary source, verify against the notice', 'https://www.govinfo.gov/content/pkg/FR-2025-11-21/html/2025-20622.htm'),
    ('I-821', '{}'::text[], 'registration', 'TPS registration (H.R. 1)', 510.00, '2026-01-01', false, false, NULL, 'Inflation adjustment for FY 2026; amount from a secondary source, verify against the notice', 'https://www.govinfo.gov/content/pkg/FR-2025-11-21/html/2025-20622.htm');

UPDATE statutory_fees SET name_ko = CASE
    WHEN form = 'I-589' AND component = 'filing' THEN '망명 신청 수수료 (H.R. 1)'
    WHEN form = 'I-589' AND component = 'annual' THEN '망명 연간 수수료 (H.R. 1)'
    WHEN form = 'I-765' AND component = 'initial' THEN '망명 신청자·임시 입국 허가자·TPS 노동 허가(EAD) 첫 신청 (H.R. 1)'
    WHEN form = 'I-765' AND component = 'renewal' THEN '망명 신청자·임시 입국 허가자·TPS 노동 허가(EAD) 갱신·연장 (H.R. 1)'
    WHEN form = 'I-821' THEN 'TPS 등록 수수료 (H.R. 1)'
    WHEN form = 'I-360' THEN '특별 이민 청소년(SIJ) 청원 수수료 (H.R. 1)'
END;
SELECT make_append_only('statutory_fees');

-- A line now says whether it renews (an EAD renewal; for I-589, the annual asylum fee),
-- and an I-589 line records the asylum application's filing date, from which the annual
-- fee falls due each year; an annual-fee line records the anniversary it pays.
ALTER TABLE fee_lines
    ADD COLUMN renewal BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN filed_on DATE,
    ADD COLUMN due_on DATE,
    ADD CONSTRAINT fee_lines_due_needs_filing CHECK (due_on IS NULL OR (filed_on IS NOT NULL AND due_on > filed_on));
CREATE INDEX fee_lines_filed ON fee_lines (form, filed_on) WHERE filed_on IS NOT NULL;

-- What a line pays, part by part: the regular fee and each statutory component, as priced
-- when the line was entered. The parts always add up to the line's amount (checked at
-- commit), and are never changed.
CREATE TABLE fee_line_components (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fee_line_id BIGINT NOT NULL REFERENCES fee_lines (id),
    seq SMALLINT NOT NULL CHECK (seq > 0),
    -- 'regular', or the statutory fee's component ('filing', 'annual', 'initial', ...).
    kind TEXT NOT NULL CHECK (kind IN ('regular', 'filing', 'annual', 'initial', 'renewal', 'registration')),
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    fee NUMERIC(14, 2) NOT NULL CHECK (fee >= 0),
    statutory BOOLEAN NOT NULL,
    waivable BOOLEAN NOT NULL CHECK (NOT (statutory AND waivable)),
    uscis_fee_id BIGINT REFERENCES uscis_fees (id),
    statutory_fee_id BIGINT REFERENCES statutory_fees (id),
    CHECK (statutory = (statutory_fee_id IS NOT NULL)),
    CHECK ((uscis_fee_id IS NULL) <> (statutory_fee_id IS NULL)),
    CHECK ((kind = 'regular') = NOT statutory),
    UNIQUE (fee_line_id, seq)
);
SELECT make_append_only('fee_line_components');

-- Every line before this migration paid the regular fee alone.
INSERT INTO fee_line_components (fee_line_id, seq, kind, name, fee, statutory, waivable, uscis_fee_id)
SELECT l.id, 1, 'regular', u.name, l.amount, false, u.fee_waiver_available, u.id
FROM fee_lines l JOIN uscis_fees u ON u.id = l.uscis_fee_id;

-- A line's parts add up to its amount, checked when the transaction commits (a line is
-- written before its parts).
CREATE FUNCTION fee_line_components_sum_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The line written, or the line of the part written.
    line_id BIGINT := (to_jsonb(NEW) ->> CASE TG_TABLE_NAME WHEN 'fee_lines' THEN 'id' ELSE 'fee_line_id' END)::bigint;
    line_amount NUMERIC;
    parts NUMERIC;
BEGIN
    SELECT amount INTO line_amount FROM fee_lines WHERE id = line_id;
    SELECT COALESCE(SUM(fee), 0) INTO parts FROM fee_line_components WHERE fee_line_id = line_id;
    IF line_amount IS DISTINCT FROM parts THEN
        RAISE EXCEPTION 'fee line % pays % but its components add up to %', line_id, line_amount, parts
            USING ERRCODE = 'check_violation', CONSTRAINT = 'fee_line_components_sum';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER fee_lines_components_sum AFTER INSERT OR UPDATE OF amount ON fee_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fee_line_components_sum_check();
CREATE CONSTRAINT TRIGGER fee_line_components_sum AFTER INSERT ON fee_line_components
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fee_line_components_sum_check();

-- What an application's fee lines paid, part by part, as the exports show it:
-- `I-765 c8: regular 520.00 + statutory initial 560.00; N-400: regular 760.00`.
CREATE FUNCTION fee_components_text(application BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT string_agg(fl.form || CASE WHEN fl.category = '' THEN '' ELSE ' ' || fl.category END || ': ' ||
                      (SELECT string_agg(CASE WHEN c.statutory THEN 'statutory ' ELSE '' END || c.kind || ' ' || c.fee::text,
                                         ' + ' ORDER BY c.seq)
                       FROM fee_line_components c WHERE c.fee_line_id = fl.id),
                      '; ' ORDER BY fl.line_no)
    FROM fee_lines fl WHERE fl.application_id = application
$$;
