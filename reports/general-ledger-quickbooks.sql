-- The general ledger in QuickBooks Online's journal-entry import layout: one row per
-- posting, rows of one journal number form one journal entry. `gl` is general-ledger.sql
-- with the same filters (the service puts it in front of this query as a CTE), so the two
-- files cannot disagree. Funds become QuickBooks classes (the usual way nonprofits track
-- restricted funds there); the site of an application's entries is the QuickBooks location. Dates are MM/DD/YYYY, as QuickBooks Online (US) reads them.
-- Sort: Journal No, then line.
SELECT gl."Journal_ID" AS "Journal No",
       to_char(gl."Effective_Date"::date, 'MM/DD/YYYY') AS "Journal Date",
       gl."GL_Account_Number" || ' ' || gl."GL_Account_Name" AS "Account",
       gl."Amount_Debit" AS "Debits",
       gl."Amount_Credit" AS "Credits",
       gl."JE_Header_Description" AS "Description",
       '' AS "Name",
       COALESCE(gl."Site", '') AS "Location",
       gl."Fund_Name" AS "Class"
FROM gl
ORDER BY gl."Journal_ID"::bigint, gl."JE_Line_Number"::int
