DROP INDEX applications_number_trgm;
