ALTER TABLE household_members DROP COLUMN name_key;
ALTER TABLE households
    DROP CONSTRAINT households_not_merged_into_itself,
    DROP COLUMN merged_into,
    DROP COLUMN address_key,
    DROP COLUMN phone_key,
    DROP COLUMN name_ko_key,
    DROP COLUMN name_key;
DROP FUNCTION gt_address_key(TEXT, TEXT);
DROP FUNCTION gt_phone_key(TEXT);
DROP FUNCTION gt_hangul_key(TEXT);
DROP FUNCTION gt_name_key(TEXT);
