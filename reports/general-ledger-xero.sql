-- The general ledger in Xero's manual-journal import layout: one row per posting, rows
-- with the same Narration and Date form one journal. `gl` is general-ledger.sql with the
-- same filters (put in front of this query as a CTE by the service). Amount is positive
-- for a debit and negative for a credit; the fund and the program are tracking categories
-- (Xero allows two; the site is the `site` filter, not a third category).
-- Dates are DD/MM/YYYY, as Xero reads them by default. Sort: journal, then line.
SELECT 'JE ' || gl."Journal_ID" || ' ' || gl."Entry_Kind" || ' ' || COALESCE(gl."Document_Ref", '') AS "*Narration",
       to_char(gl."Effective_Date"::date, 'DD/MM/YYYY') AS "*Date",
       gl."JE_Header_Description" AS "Description",
       gl."GL_Account_Number" AS "*AccountCode",
       'Tax Exempt' AS "*TaxRate",
       COALESCE(gl."Amount_Debit", '-' || gl."Amount_Credit") AS "*Amount",
       'Fund' AS "TrackingName1",
       gl."Fund_Name" AS "TrackingOption1",
       'Program' AS "TrackingName2",
       COALESCE(gl."Program", 'none') AS "TrackingOption2"
FROM gl
ORDER BY gl."Journal_ID"::bigint, gl."JE_Line_Number"::int
