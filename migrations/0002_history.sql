-- The trail: conflict history (reviews, vanished, reappeared) and the audit log of every write.

-- Every change of a conflict: opened, status (a review), vanished, reappeared.
CREATE TABLE thuadat.conflict_history (
    id            bigserial PRIMARY KEY,
    commune_code  text NOT NULL,
    conflict_id   text NOT NULL,
    event         text NOT NULL CHECK (event IN ('opened', 'status', 'vanished', 'reappeared')),
    by_whom       text NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    from_status   text,
    to_status     text,
    comment       text,
    import_id     bigint REFERENCES thuadat.import (id),
    FOREIGN KEY (commune_code, conflict_id) REFERENCES thuadat.conflict (commune_code, id)
);
CREATE INDEX conflict_history_conflict ON thuadat.conflict_history (commune_code, conflict_id, id);

-- Every write to the store.
CREATE TABLE thuadat.audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    by_whom       text NOT NULL,
    action        text NOT NULL,
    commune_code  text,
    detail        jsonb NOT NULL DEFAULT '{}'
);
