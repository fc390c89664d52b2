-- Finding the same family however it was typed (SPEC "Duplicate households"): keys kept
-- beside each household and member, computed by PostgreSQL, indexed, and used both by
-- the duplicate warning and by search. A merged household points at the one it joined.

-- A romanized name in any order and case: "Han Junghee", "junghee HAN" and "Han Jung-hee"
-- all read "han junghee" (words sorted; hyphens and apostrophes join a name).
CREATE FUNCTION gt_name_key(name TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT array_to_string(ARRAY(
        SELECT w FROM unnest(regexp_split_to_array(
            lower(regexp_replace(name, '[-''’]', '', 'g')), '[^[:alnum:]]+')) AS w
        WHERE w <> '' ORDER BY w), ' ')
$$;

-- A Hangul name without its spaces: "한 정희" is "한정희".
CREATE FUNCTION gt_hangul_key(name TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT regexp_replace(name, '\s', '', 'g')
$$;

-- A US phone number as its ten digits, whatever was typed: "+1 (213) 555-0147" is
-- "2135550147".
CREATE FUNCTION gt_phone_key(phone TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT CASE WHEN length(d) = 11 AND left(d, 1) = '1' THEN substr(d, 2) ELSE d END
    FROM (SELECT regexp_replace(phone, '[^0-9]', '', 'g') AS d) AS digits
$$;

-- A street address and ZIP, lower case, punctuation dropped, the common words short:
-- "3700 Wilshire Boulevard, 90010-1234" is "3700 wilshire blvd 90010".
CREATE FUNCTION gt_address_key(line1 TEXT, postal_code TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        regexp_replace(lower(line1), '[^[:alnum:]]+', ' ', 'g'),
        '\mstreet\M', 'st', 'g'), '\mavenue\M', 'ave', 'g'), '\mboulevard\M', 'blvd', 'g'),
        '\mroad\M', 'rd', 'g'), '\s+', ' ', 'g')) || ' ' || left(postal_code, 5)
$$;

ALTER TABLE households
    ADD COLUMN name_key TEXT GENERATED ALWAYS AS (gt_name_key(name)) STORED,
    ADD COLUMN name_ko_key TEXT GENERATED ALWAYS AS (gt_hangul_key(name_ko)) STORED,
    ADD COLUMN phone_key TEXT GENERATED ALWAYS AS (gt_phone_key(phone)) STORED,
    ADD COLUMN address_key TEXT GENERATED ALWAYS AS (gt_address_key(address_line1, postal_code)) STORED,
    ADD COLUMN merged_into BIGINT REFERENCES households (id),
    ADD CONSTRAINT households_not_merged_into_itself CHECK (merged_into <> id);
ALTER TABLE household_members
    ADD COLUMN name_key TEXT GENERATED ALWAYS AS (gt_name_key(name)) STORED;

CREATE INDEX households_name_key ON households (name_key);
CREATE INDEX households_name_ko_key ON households (name_ko_key);
CREATE INDEX households_name_ko_key_trgm ON households USING gin (name_ko_key gin_trgm_ops);
CREATE INDEX households_phone_key ON households (phone_key);
CREATE INDEX households_phone_key_trgm ON households USING gin (phone_key gin_trgm_ops);
CREATE INDEX households_address_key ON households (address_key);
CREATE INDEX households_address_trgm ON households USING gin (address_line1 gin_trgm_ops);
CREATE INDEX households_postal_code ON households (postal_code);
CREATE INDEX household_members_name_key ON household_members (name_key, birth_year);
CREATE INDEX household_members_name_trgm ON household_members USING gin (name gin_trgm_ops);
