-- The accountant's periods (SPEC "The accountant's year"): a month is closed once every
-- entry in it is final; from then on nothing may be dated in it. An admin may reopen it
-- with a reason. The database refuses, not only the service:
--   * every journal entry's month has a row here (the entry's trigger adds it), and the
--     trigger reads that row FOR SHARE: a booking into a closed month is refused;
--   * a month before the first month of the books counts as closed once any later month is;
--   * closing and reopening lock this table (SHARE ROW EXCLUSIVE) before they look, and a
--     booking's trigger takes ROW EXCLUSIVE: a close waits for the bookings in flight and
--     the bookings after it wait for the close, so a close and a booking racing each
--     other cannot both win;
--   * months close in order, only once they have ended; each close and reopen is an event
--     (append-only), with the time it took hold, so `check-ledger` can tell whether an
--     entry was booked while its month was closed (invariant 7).

CREATE TABLE periods (
    -- The month's first day.
    period DATE PRIMARY KEY CHECK (period = date_trunc('month', period)::date),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at TIMESTAMPTZ,
    closed_by BIGINT REFERENCES users (id),
    reopened_at TIMESTAMPTZ,
    reopened_by BIGINT REFERENCES users (id),
    reopen_reason TEXT,
    CONSTRAINT periods_closed_by CHECK (status = 'open' OR (closed_at IS NOT NULL AND closed_by IS NOT NULL))
);

CREATE TABLE period_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period DATE NOT NULL REFERENCES periods (period),
    action TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
    reason TEXT,
    -- When it took hold: after the lock was granted, so every booking before it committed
    -- earlier and every booking after it saw it.
    at TIMESTAMPTZ NOT NULL,
    actor BIGINT NOT NULL REFERENCES users (id),
    CONSTRAINT period_events_reason CHECK (action = 'close' OR btrim(COALESCE(reason, '')) <> '')
);
CREATE INDEX period_events_period ON period_events (period, at);
CREATE TRIGGER period_events_append_only BEFORE UPDATE OR DELETE ON period_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER period_events_no_truncate BEFORE TRUNCATE ON period_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The app reads; it changes periods only through the functions below.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON periods, period_events FROM grant_tracker_app;

-- Every month that has entries is a month of the books.
INSERT INTO periods (period)
SELECT DISTINCT date_trunc('month', entry_date)::date FROM journal_entries;

-- When each entry was booked: set by the trigger below once it holds the period's lock.
ALTER TABLE journal_entries ADD COLUMN booked_at TIMESTAMPTZ;
ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only;
UPDATE journal_entries SET booked_at = created_at;
ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_append_only;
ALTER TABLE journal_entries ALTER COLUMN booked_at SET NOT NULL,
    ALTER COLUMN booked_at SET DEFAULT clock_timestamp();

CREATE FUNCTION journal_entries_period_open() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month DATE := date_trunc('month', NEW.entry_date)::date;
    added INTEGER;
    state TEXT;
BEGIN
    -- ROW EXCLUSIVE on periods: waits while a close or reopen is in progress.
    INSERT INTO periods (period) VALUES (month) ON CONFLICT (period) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    SELECT status INTO state FROM periods WHERE period = month FOR SHARE;
    IF state = 'closed'
       OR (added = 1 AND EXISTS (SELECT 1 FROM periods WHERE period > month AND status = 'closed')) THEN
        RAISE EXCEPTION 'the books of % are closed: date the entry in an open month', to_char(month, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_closed',
                  DETAIL = to_char(month, 'YYYY-MM');
    END IF;
    NEW.booked_at := clock_timestamp();
    RETURN NEW;
END
$$;
CREATE TRIGGER journal_entries_period_open BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_period_open();

-- Closes `month` for `actor`, `today` being the fund's date. Refused (check_violation with
-- the rule as constraint name and the month concerned as detail) unless the month has
-- ended, is open, is not before the books begin, and every month of the books before it
-- is closed.
CREATE FUNCTION close_period(month DATE, today DATE, actor BIGINT) RETURNS TIMESTAMPTZ
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    first DATE;
    open_before DATE;
    at TIMESTAMPTZ;
BEGIN
    LOCK TABLE periods IN SHARE ROW EXCLUSIVE MODE;
    month := date_trunc('month', month)::date;
    IF month >= date_trunc('month', today)::date THEN
        RAISE EXCEPTION 'month % has not ended', to_char(month, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_not_ended',
                  DETAIL = to_char(month, 'YYYY-MM');
    END IF;
    IF EXISTS (SELECT 1 FROM periods WHERE period = month AND status = 'closed') THEN
        RAISE EXCEPTION 'month % is already closed', to_char(month, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_already_closed',
                  DETAIL = to_char(month, 'YYYY-MM');
    END IF;
    SELECT min(period) INTO first FROM periods;
    IF month < first THEN
        RAISE EXCEPTION 'the books begin in %', to_char(first, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_before_books',
                  DETAIL = to_char(first, 'YYYY-MM');
    END IF;
    SELECT min(m)::date INTO open_before
    FROM generate_series(first, month - interval '1 month', interval '1 month') AS m
    WHERE NOT EXISTS (SELECT 1 FROM periods WHERE period = m AND status = 'closed');
    IF open_before IS NOT NULL THEN
        RAISE EXCEPTION 'month % is still open: months close in order', to_char(open_before, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_order',
                  DETAIL = to_char(open_before, 'YYYY-MM');
    END IF;
    at := clock_timestamp();
    INSERT INTO periods (period, status, closed_at, closed_by) VALUES (month, 'closed', at, actor)
    ON CONFLICT (period) DO UPDATE SET status = 'closed', closed_at = at, closed_by = actor;
    INSERT INTO period_events (period, action, at, actor) VALUES (month, 'close', at, actor);
    RETURN at;
END
$$;

-- Reopens a closed `month` for `actor`, with a reason.
CREATE FUNCTION reopen_period(month DATE, actor BIGINT, reason TEXT) RETURNS TIMESTAMPTZ
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    at TIMESTAMPTZ;
BEGIN
    LOCK TABLE periods IN SHARE ROW EXCLUSIVE MODE;
    month := date_trunc('month', month)::date;
    IF NOT EXISTS (SELECT 1 FROM periods WHERE period = month AND status = 'closed') THEN
        RAISE EXCEPTION 'month % is not closed', to_char(month, 'YYYY-MM')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'period_not_closed',
                  DETAIL = to_char(month, 'YYYY-MM');
    END IF;
    at := clock_timestamp();
    UPDATE periods SET status = 'open', reopened_at = at, reopened_by = actor, reopen_reason = reason
    WHERE period = month;
    INSERT INTO period_events (period, action, reason, at, actor)
    VALUES (month, 'reopen', reason, at, actor);
    RETURN at;
END
$$;
