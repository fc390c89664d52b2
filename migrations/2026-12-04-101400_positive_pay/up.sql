-- Positive pay (SPEC "The accountant's year"): the file the bank uses to refuse forged
-- checks. Each file is a recorded batch of every check issued or voided since the last
-- one, in the bank's layout; its bytes are kept, so downloading it again gives the same
-- file. A check goes out once as issued and, if voided, once as void (unique), so nothing is
-- sent twice and a void already sent as issued is sent again as a void.
CREATE TABLE positive_pay_batches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank TEXT NOT NULL REFERENCES banks (name),
    checks INTEGER NOT NULL CHECK (checks >= 0),
    voids INTEGER NOT NULL CHECK (voids >= 0),
    total NUMERIC(14, 2) NOT NULL,
    file BYTEA NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (checks + voids > 0)
);

CREATE TABLE positive_pay_items (
    batch_id BIGINT NOT NULL REFERENCES positive_pay_batches (id),
    disbursement_id BIGINT NOT NULL REFERENCES disbursements (id),
    action TEXT NOT NULL CHECK (action IN ('issue', 'void')),
    PRIMARY KEY (disbursement_id, action)
);
CREATE INDEX positive_pay_items_batch ON positive_pay_items (batch_id);

SELECT make_append_only('positive_pay_batches');
SELECT make_append_only('positive_pay_items');
