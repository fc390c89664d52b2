-- The bank (SPEC "The accountant's year"): each bank the fund uses is a row of settings an
-- admin edits: the fund's account number there, how its statement CSV reads (column names,
-- date format, the sign of money out) and, for positive pay, the layout of the file it
-- takes. Templates are JSON documents the service reads into typed settings.
CREATE TABLE banks (
    name TEXT PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{1,30}$'),
    display_name TEXT NOT NULL CHECK (btrim(display_name) <> ''),
    account_number TEXT NOT NULL DEFAULT '' CHECK (account_number ~ '^[0-9]{0,17}$'),
    statement JSONB NOT NULL,
    positive_pay JSONB NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
REVOKE DELETE, TRUNCATE ON banks FROM grant_tracker_app;

INSERT INTO banks (name, display_name, account_number, statement, positive_pay) VALUES
    -- API.md: `generic` always exists: date,amount,check_number,description; ISO dates;
    -- money out negative.
    ('generic', 'Generic CSV', '000123456789',
     '{"date_column": "date", "date_format": "%Y-%m-%d", "amount_column": "amount",
       "check_column": "check_number", "description_column": "description",
       "money_out": "negative"}',
     '{"columns": ["account", "check_number", "issue_date", "amount", "payee", "action"],
       "date_format": "%Y-%m-%d", "issue_code": "I", "void_code": "V",
       "header": true, "trailer": false}'),
    -- One signed amount column, US dates (the layout of the large national banks' exports).
    ('pacific', 'Pacific National Bank', '004417829301',
     '{"date_column": "Posting Date", "date_format": "%m/%d/%Y", "amount_column": "Amount",
       "check_column": "Check or Slip #", "description_column": "Description",
       "money_out": "negative"}',
     '{"columns": ["check_number", "amount", "issue_date", "payee", "action", "account"],
       "date_format": "%m%d%Y", "issue_code": "O", "void_code": "V",
       "header": false, "trailer": true}'),
    -- Separate withdrawal and deposit columns, two-digit years (a community bank's export).
    ('koreatown', 'Koreatown Community Bank', '7720031455',
     '{"date_column": "Date", "date_format": "%m/%d/%y", "debit_column": "Withdrawals",
       "credit_column": "Deposits", "check_column": "Check No.",
       "description_column": "Description", "money_out": "debit_column"}',
     '{"columns": ["account", "check_number", "amount", "issue_date", "payee", "action"],
       "date_format": "%Y%m%d", "issue_code": "ISSUE", "void_code": "VOID",
       "header": true, "trailer": true}');

-- An uploaded statement and its lines, each with what it matched (a check it cleared, a
-- receipt it confirmed) or nothing. A check or a receipt is matched by one line at most,
-- whatever the statement (unique), so the same statement uploaded twice matches nothing
-- twice. Both are append-only.
CREATE TABLE bank_statements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank TEXT NOT NULL REFERENCES banks (name),
    file_sha256 TEXT NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    first_date DATE,
    last_date DATE,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE bank_statement_lines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    statement_id BIGINT NOT NULL REFERENCES bank_statements (id),
    line_no INTEGER NOT NULL CHECK (line_no > 0),
    posted_on DATE NOT NULL,
    -- Money in positive, money out negative, whatever the bank's own convention.
    amount NUMERIC(14, 2) NOT NULL CHECK (amount <> 0),
    check_number TEXT,
    description TEXT NOT NULL DEFAULT '',
    disbursement_id BIGINT UNIQUE REFERENCES disbursements (id),
    receipt_id BIGINT UNIQUE REFERENCES receipts (id),
    UNIQUE (statement_id, line_no),
    CONSTRAINT bank_statement_lines_one_match CHECK (disbursement_id IS NULL OR receipt_id IS NULL),
    CONSTRAINT bank_statement_lines_check_out CHECK (disbursement_id IS NULL OR amount < 0),
    CONSTRAINT bank_statement_lines_receipt_in CHECK (receipt_id IS NULL OR amount > 0)
);
CREATE INDEX bank_statement_lines_statement ON bank_statement_lines (statement_id, line_no);

-- Makes a table append-only: UPDATE, DELETE and TRUNCATE fail, and the app's role holds
-- none of them (the later money tables of this kind use it too).
CREATE FUNCTION make_append_only(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %s
                    FOR EACH ROW EXECUTE FUNCTION refuse_change()', t::text || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()', t::text || '_no_truncate', t);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM grant_tracker_app', t);
END
$$;
REVOKE ALL ON FUNCTION make_append_only(regclass) FROM PUBLIC;
SELECT make_append_only('bank_statements');
SELECT make_append_only('bank_statement_lines');
