DROP TABLE eligibility_checks;
DROP TABLE policy_versions;
DROP FUNCTION policy_versions_in_order();
DROP TABLE poverty_guidelines;
