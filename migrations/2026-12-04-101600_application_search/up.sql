-- GET /api/v1/applications?q= finds an application by any part of its number (the names
-- of its family already have trigram indexes).
CREATE INDEX applications_number_trgm ON applications USING gin (number gin_trgm_ops);
