DROP TABLE uscis_fees;
