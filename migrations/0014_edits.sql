-- Corrections made in the store (issue 18): every edit of a commune's data, numbered per commune (its
-- version), with who, when, what it changed (before and after) and why. Written with the change itself and an
-- audit_log row in one transaction; `GET /export/changes?since=<version>` will replay them. Not partitioned:
-- an import swaps the data partitions whole, and the edits that led to them stay on record.
CREATE TABLE thuadat.edit (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    version       bigint NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    by_whom       text NOT NULL,
    -- What was edited: 'certificate' (its id in target_id).
    target        text NOT NULL,
    target_id     text NOT NULL,
    before        jsonb NOT NULL,
    after         jsonb NOT NULL,
    comment       text,
    PRIMARY KEY (commune_code, version)
);
CREATE INDEX edit_target ON thuadat.edit (commune_code, target, target_id, version);
