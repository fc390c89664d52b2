DROP FUNCTION reopen_period(DATE, BIGINT, TEXT);
DROP FUNCTION close_period(DATE, DATE, BIGINT);
DROP TRIGGER journal_entries_period_open ON journal_entries;
DROP FUNCTION journal_entries_period_open();
ALTER TABLE journal_entries DROP COLUMN booked_at;
DROP TABLE period_events;
DROP TABLE periods;
