-- The USCIS fee schedule, copied from the fund's reference data (shared/data/uscis_fees.csv).
-- Effective-dated: a fee line takes the row in force on its date for form, category and filing.
-- A later fee rule is a new migration adding rows with a later effective_from.

CREATE TABLE uscis_fees (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form TEXT NOT NULL CHECK (form ~ '^[A-Z]-[0-9A-Z]+$'),
    -- '' for the general filing, else the eligibility category (e.g. 'c33' for DACA).
    category TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    filing TEXT NOT NULL CHECK (filing IN ('paper', 'online')),
    fee NUMERIC(14, 2) NOT NULL CHECK (fee >= 0),
    effective_from DATE NOT NULL,
    fee_waiver_available BOOLEAN NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    UNIQUE (form, category, filing, effective_from)
);
REVOKE INSERT, UPDATE, DELETE ON uscis_fees FROM grant_tracker_app;

INSERT INTO uscis_fees (form, category, name, filing, fee, effective_from, fee_waiver_available, notes, source) VALUES
    ('N-400', '', 'Application for Naturalization', 'paper', 760.00, '2024-04-01', true, 'Reduced fee 380.00 (paper only) when household income is above 150% and at most 400% of the poverty guideline; fee waiver (I-912) at or below 150%', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('N-400', '', 'Application for Naturalization', 'online', 710.00, '2024-04-01', false, 'Reduced fee and fee waiver are paper filings only', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-485', '', 'Application to Register Permanent Residence or Adjust Status', 'paper', 1440.00, '2024-04-01', false, '950.00 for a child under 14 filing with a parent; waiver only in humanitarian categories', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-765', '', 'Application for Employment Authorization', 'paper', 520.00, '2024-04-01', true, '260.00 when filed with or after a pending I-485 filed on or after 2024-04-01', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-765', '', 'Application for Employment Authorization', 'online', 470.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-765', 'c33', 'Application for Employment Authorization (DACA)', 'paper', 520.00, '2024-04-01', false, 'Cannot be waived; a narrow exemption must be approved before filing', 'https://www.uscis.gov/forms/filing-fees/guidance-for-an-exemption-from-the-fee-for-a-form-i-765-filed-with-a-request-for-consideration-of'),
    ('I-765', 'c33', 'Application for Employment Authorization (DACA)', 'online', 470.00, '2024-04-01', false, 'Cannot be waived', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-821D', '', 'Consideration of Deferred Action for Childhood Arrivals', 'paper', 85.00, '2024-04-01', false, 'Filed with I-765 (c33): renewal total 605.00 paper / 555.00 online', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-821D', '', 'Consideration of Deferred Action for Childhood Arrivals', 'online', 85.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-90', '', 'Application to Replace Permanent Resident Card', 'paper', 465.00, '2024-04-01', true, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-90', '', 'Application to Replace Permanent Resident Card', 'online', 415.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-131', '', 'Application for Travel Document', 'paper', 630.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-130', '', 'Petition for Alien Relative', 'paper', 675.00, '2024-04-01', false, 'Cannot be waived', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-130', '', 'Petition for Alien Relative', 'online', 625.00, '2024-04-01', false, 'Cannot be waived', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-751', '', 'Petition to Remove Conditions on Residence', 'paper', 750.00, '2024-04-01', true, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('N-600', '', 'Application for Certificate of Citizenship', 'paper', 1385.00, '2024-04-01', true, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('N-600', '', 'Application for Certificate of Citizenship', 'online', 1335.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('N-565', '', 'Application for Replacement Naturalization/Citizenship Document', 'paper', 555.00, '2024-04-01', true, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('N-565', '', 'Application for Replacement Naturalization/Citizenship Document', 'online', 505.00, '2024-04-01', false, '', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/'),
    ('I-129F', '', 'Petition for Alien Fiance(e)', 'paper', 675.00, '2024-04-01', false, 'Cannot be waived', 'https://www.federalregister.gov/documents/2024/01/31/2024-01427/');
