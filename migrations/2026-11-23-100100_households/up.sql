-- Households (the families the fund helps) and their members.
-- No immigration status is collected, by design (SPEC "Privacy").

CREATE TABLE households (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    name_ko TEXT CHECK (name_ko IS NULL OR btrim(name_ko) <> ''),
    phone TEXT,
    -- Digits only, for phone search whatever punctuation was typed.
    phone_digits TEXT GENERATED ALWAYS AS (regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) STORED,
    preferred_language TEXT NOT NULL CHECK (preferred_language IN ('en', 'ko')),
    address_line1 TEXT NOT NULL CHECK (btrim(address_line1) <> ''),
    address_line2 TEXT,
    city TEXT NOT NULL CHECK (btrim(city) <> ''),
    -- The state decides the poverty table (contiguous, Alaska, Hawaii).
    state TEXT NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    postal_code TEXT NOT NULL CHECK (postal_code ~ '^[0-9]{5}(-[0-9]{4})?$'),
    size INTEGER NOT NULL CHECK (size BETWEEN 1 AND 30),
    annual_income NUMERIC(14, 2) NOT NULL CHECK (annual_income >= 0),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Trigram indexes make substring search on Latin and Hangul names and phone digits fast.
CREATE INDEX households_name_trgm ON households USING gin (name gin_trgm_ops);
CREATE INDEX households_name_ko_trgm ON households USING gin (name_ko gin_trgm_ops);
CREATE INDEX households_phone_trgm ON households USING gin (phone_digits gin_trgm_ops);

CREATE TABLE household_members (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id),
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    relationship TEXT NOT NULL CHECK (relationship IN
        ('self', 'spouse', 'child', 'parent', 'sibling', 'grandparent', 'grandchild', 'other')),
    birth_year INTEGER CHECK (birth_year BETWEEN 1900 AND 2100),
    -- Members are never deleted (a fee line may name one); a removed member is hidden.
    removed_at TIMESTAMPTZ
);
CREATE INDEX household_members_household ON household_members (household_id);
REVOKE DELETE ON households, household_members FROM grant_tracker_app;
