-- The ledger: the chart of accounts, funds, the double-entry journal, receipts, and the
-- keys that make money-moving requests happen at most once.
--
-- SPEC.md's invariants are enforced here, not only in the service:
--   1. every entry balances, in total and per fund (a deferred constraint trigger at commit);
--   2. entries and postings are append-only (triggers, and the app's role holds no UPDATE,
--      DELETE or TRUNCATE); postings can only be added in the transaction that made their entry;
--      a reversal mirrors its original exactly, and an entry is reversed at most once;
--   3. a fund's available balance never goes below zero: each fund has one balance row,
--      updated by a trigger on every insert of postings, with CHECK (available >= 0). The
--      UPDATE takes the row's lock until commit, so racing transactions queue on it and the
--      next one sees the balance the previous one left (the service also locks the rows
--      first, in fund order, to answer with the amount available rather than an error);
--   5. an expense charged to a fund with a program restriction is for that program, and no
--      expense is charged to a fund after its expiry date;
--   6. a key is used once per user (primary key), and names at most one entry.
-- Invariant 4 (per application, disbursed <= approved) is checked by `check-ledger` from the
-- grants payable postings of each application; the disbursement table enforces it too.

-- Accounts are rows: the default chart of SPEC.md. `kind` decides which balance a posting moves.
CREATE TABLE accounts (
    code TEXT PRIMARY KEY CHECK (code ~ '^[0-9]{4}$'),
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    name_ko TEXT NOT NULL CHECK (btrim(name_ko) <> ''),
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'net_assets', 'revenue', 'expense'))
);
INSERT INTO accounts (code, name, name_ko, kind) VALUES
    ('1000', 'Cash — operating bank', '현금 — 운영 계좌', 'asset'),
    ('2100', 'Grants payable', '미지급 지원금', 'liability'),
    ('4000', 'Contributions', '기부금 수입', 'revenue'),
    ('4100', 'Foundation and government grants', '재단 및 정부 보조금 수입', 'revenue'),
    ('5100', 'Direct assistance — immigration fees', '직접 지원 — 이민 수수료', 'expense'),
    ('5200', 'Direct assistance — emergency', '직접 지원 — 긴급 지원', 'expense');
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON accounts FROM grant_tracker_app;

CREATE TABLE funds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- NULL: unrestricted.
    restricted_program TEXT CHECK (restricted_program IN ('immigration_fee', 'emergency')),
    -- No expense may be charged to the fund after this date.
    expires_on DATE,
    -- The fund an approval falls back to; exactly one, unrestricted, never expiring.
    is_general BOOLEAN NOT NULL DEFAULT false,
    active BOOLEAN NOT NULL DEFAULT true,
    note TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT funds_general_unrestricted CHECK (
        NOT is_general OR (restricted_program IS NULL AND expires_on IS NULL AND active))
);
CREATE UNIQUE INDEX funds_name_key ON funds (lower(btrim(name)));
CREATE UNIQUE INDEX funds_one_general ON funds (is_general) WHERE is_general;
REVOKE DELETE, TRUNCATE ON funds FROM grant_tracker_app;

-- A fund's restriction is what its donors gave for: it never changes.
CREATE FUNCTION funds_restriction_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.restricted_program IS DISTINCT FROM OLD.restricted_program
       OR NEW.is_general <> OLD.is_general THEN
        RAISE EXCEPTION 'a fund''s restriction cannot change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'funds_restriction_fixed';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER funds_restriction_fixed BEFORE UPDATE ON funds
    FOR EACH ROW EXECUTE FUNCTION funds_restriction_fixed();

-- One balance row per fund, kept by the postings trigger below and by nothing else:
-- cash (asset accounts, debit balance), committed (liabilities: approved, not yet paid,
-- credit balance) and available (revenue less expense: what approvals may still use).
-- Because every entry balances per fund, cash - committed = available.
CREATE TABLE fund_balances (
    fund_id BIGINT PRIMARY KEY REFERENCES funds (id),
    cash NUMERIC(14, 2) NOT NULL DEFAULT 0,
    committed NUMERIC(14, 2) NOT NULL DEFAULT 0,
    available NUMERIC(14, 2) NOT NULL DEFAULT 0,
    CONSTRAINT fund_balances_no_overdraft CHECK (available >= 0),
    CONSTRAINT fund_balances_committed CHECK (committed >= 0),
    CONSTRAINT fund_balances_cash CHECK (cash >= 0)
);
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON fund_balances FROM grant_tracker_app;

-- Balance rows change only from inside the triggers that own them (trigger depth 2).
CREATE FUNCTION fund_balances_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'fund balances are kept by the ledger: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER fund_balances_guard BEFORE INSERT OR UPDATE OR DELETE ON fund_balances
    FOR EACH ROW EXECUTE FUNCTION fund_balances_guard();
CREATE TRIGGER fund_balances_no_truncate BEFORE TRUNCATE ON fund_balances
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE FUNCTION funds_open_balance() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO fund_balances (fund_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER funds_open_balance AFTER INSERT ON funds
    FOR EACH ROW EXECUTE FUNCTION funds_open_balance();

INSERT INTO funds (name, is_general, note) VALUES
    ('General fund', true, 'Unrestricted gifts; approvals fall back to it.');

-- Business document numbers other than applications': receipts (RCP-2026-00001) and,
-- later, disbursements. Gapless like application numbers.
CREATE TABLE document_counters (
    series TEXT NOT NULL CHECK (series ~ '^[A-Z]{3}$'),
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last_seq INTEGER NOT NULL CHECK (last_seq > 0),
    PRIMARY KEY (series, year)
);
REVOKE DELETE, TRUNCATE ON document_counters FROM grant_tracker_app;

CREATE TABLE journal_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_date DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN (
        'receipt', 'commitment', 'disbursement', 'void', 'release', 'reversal')),
    memo TEXT NOT NULL DEFAULT '',
    -- The business document the entry books: a receipt, an application, a disbursement.
    document_type TEXT CHECK (document_type IN ('receipt', 'application', 'disbursement')),
    document_id BIGINT,
    -- The program the money is for, where there is one (approvals and payments).
    program TEXT CHECK (program IN ('immigration_fee', 'emergency')),
    -- Voids and reversals name the entry they undo; each entry is undone at most once.
    reverses BIGINT UNIQUE REFERENCES journal_entries (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The transaction that wrote the entry: postings may join it only from there.
    created_txid BIGINT NOT NULL DEFAULT txid_current(),
    CONSTRAINT journal_entries_document CHECK ((document_type IS NULL) = (document_id IS NULL)),
    CONSTRAINT journal_entries_reversal CHECK (
        (kind IN ('void', 'reversal')) = (reverses IS NOT NULL) AND reverses <> id)
);
CREATE INDEX journal_entries_date ON journal_entries (entry_date, id);
CREATE INDEX journal_entries_document ON journal_entries (document_type, document_id);

CREATE TABLE postings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES journal_entries (id),
    line_no INTEGER NOT NULL CHECK (line_no > 0),
    account_code TEXT NOT NULL REFERENCES accounts (code),
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    side TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    UNIQUE (entry_id, line_no)
);
CREATE INDEX postings_fund ON postings (fund_id, entry_id);

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON journal_entries, postings FROM grant_tracker_app;

-- A posting joins only an entry written in the same transaction: a committed entry is closed.
CREATE FUNCTION postings_entry_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM journal_entries
                   WHERE id = NEW.entry_id AND created_txid = txid_current()) THEN
        RAISE EXCEPTION 'journal entry % is closed: postings cannot be added to it', NEW.entry_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'postings_entry_open';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER postings_entry_open BEFORE INSERT ON postings
    FOR EACH ROW EXECUTE FUNCTION postings_entry_open();

-- Moves the balance rows of the funds an INSERT of postings touched, once per statement
-- (so the order of postings within one entry does not matter).
CREATE FUNCTION postings_move_balances() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE fund_balances b SET
        cash = b.cash + d.cash,
        committed = b.committed + d.committed,
        available = b.available + d.available
    FROM (
        SELECT p.fund_id,
            COALESCE(SUM(p.signed) FILTER (WHERE a.kind = 'asset'), 0) AS cash,
            COALESCE(-SUM(p.signed) FILTER (WHERE a.kind = 'liability'), 0) AS committed,
            COALESCE(-SUM(p.signed) FILTER (WHERE a.kind IN ('net_assets', 'revenue', 'expense')), 0)
                AS available
        FROM (SELECT fund_id, account_code,
                     CASE side WHEN 'debit' THEN amount ELSE -amount END AS signed
              FROM inserted) p
        JOIN accounts a ON a.code = p.account_code
        GROUP BY p.fund_id
        ORDER BY p.fund_id
    ) d
    WHERE b.fund_id = d.fund_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER postings_move_balances AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION postings_move_balances();

-- At commit: the entry has postings, balances in total and per fund, charges expenses only
-- within its funds' restrictions, and, if it undoes another entry, mirrors it exactly.
CREATE FUNCTION journal_entries_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lines INTEGER;
    original journal_entries%ROWTYPE;
BEGIN
    SELECT count(*) INTO lines FROM postings WHERE entry_id = NEW.id;
    IF lines < 2 THEN
        RAISE EXCEPTION 'journal entry % has % posting(s); an entry needs at least two', NEW.id, lines
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    IF EXISTS (SELECT 1 FROM postings WHERE entry_id = NEW.id GROUP BY fund_id
               HAVING SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END) <> 0) THEN
        RAISE EXCEPTION 'journal entry % does not balance (debits must equal credits for each fund)', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    IF EXISTS (SELECT 1 FROM postings p
               JOIN accounts a ON a.code = p.account_code
               JOIN funds f ON f.id = p.fund_id
               WHERE p.entry_id = NEW.id AND a.kind = 'expense' AND p.side = 'debit'
                 AND ((f.restricted_program IS NOT NULL
                       AND f.restricted_program IS DISTINCT FROM NEW.program)
                      OR NEW.entry_date > f.expires_on)) THEN
        RAISE EXCEPTION 'journal entry % charges a fund outside its restriction or after its expiry', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_restriction';
    END IF;
    IF NEW.reverses IS NOT NULL THEN
        SELECT * INTO original FROM journal_entries WHERE id = NEW.reverses;
        IF original.reverses IS NOT NULL THEN
            RAISE EXCEPTION 'journal entry % undoes entry %, which is itself a reversal', NEW.id, NEW.reverses
                USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_mirror';
        END IF;
        IF EXISTS (
            (SELECT account_code, fund_id,
                    CASE side WHEN 'debit' THEN 'credit' ELSE 'debit' END, amount
             FROM postings WHERE entry_id = NEW.reverses
             EXCEPT ALL
             SELECT account_code, fund_id, side, amount FROM postings WHERE entry_id = NEW.id)
            UNION ALL
            (SELECT account_code, fund_id, side, amount FROM postings WHERE entry_id = NEW.id
             EXCEPT ALL
             SELECT account_code, fund_id,
                    CASE side WHEN 'debit' THEN 'credit' ELSE 'debit' END, amount
             FROM postings WHERE entry_id = NEW.reverses)) THEN
            RAISE EXCEPTION 'journal entry % does not mirror entry % exactly', NEW.id, NEW.reverses
                USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_mirror';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_entries_check AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_entries_check();

-- Money in: a donation or a grant to a fund. Booked Dr 1000 / Cr 4000 (donation) or 4100 (grant).
CREATE TABLE receipts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number ~ '^RCP-[0-9]{4}-[0-9]{5,}$'),
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    amount NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    received_on DATE NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('donation', 'grant')),
    donor TEXT NOT NULL CHECK (btrim(donor) <> ''),
    memo TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX receipts_fund ON receipts (fund_id, id);
CREATE TRIGGER receipts_append_only BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER receipts_no_truncate BEFORE TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON receipts FROM grant_tracker_app;

-- `Idempotency-Key`s of money-moving requests. The row is inserted before the work, in the
-- same transaction, so a concurrent duplicate waits on the primary key and then reads the
-- stored answer; if the first attempt rolls back, its key goes with it.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    -- SHA-256 of the method, path and canonical JSON body.
    request_hash BYTEA NOT NULL,
    status_code SMALLINT,
    response JSONB,
    entry_id BIGINT UNIQUE REFERENCES journal_entries (id),
    created_txid BIGINT NOT NULL DEFAULT txid_current(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
REVOKE DELETE, TRUNCATE ON idempotency_keys FROM grant_tracker_app;
