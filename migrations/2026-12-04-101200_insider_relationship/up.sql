-- SPEC "The accountant's year", tax year: the IRS expects to know of any relationship
-- between a grant's recipient and a board member, officer, staff member or major donor
-- (Publication 3833). The caseworker asks it at intake. NULL: the application was entered
-- before the question was asked.
ALTER TABLE applications
    ADD COLUMN insider_relationship TEXT
        CHECK (insider_relationship IN ('none', 'board', 'officer', 'staff', 'major_donor')),
    ADD COLUMN insider_note TEXT CHECK (btrim(insider_note) <> '');
