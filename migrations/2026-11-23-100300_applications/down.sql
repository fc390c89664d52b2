DROP TABLE status_changes;
DROP TABLE documents;
DROP TABLE fee_lines;
DROP TABLE applications;
DROP TABLE application_counters;
