-- The holder linkage of the last import or check of each commune: one row per certificate row (holder), so
-- that a server of the store starts without linking a million holders again (docs/STORE.md).

CREATE TABLE thuadat.holder_link (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    -- The certificate row (thuadat.certificate.line).
    line          integer NOT NULL,
    status        text NOT NULL
                  CHECK (status IN ('matched_by_id', 'matched_by_attributes', 'mismatch', 'not_found', 'id_invalid')),
    -- The register entry matched, as its position among the commune's citizens in line order.
    citizen       integer,
    score         double precision,
    -- Why, in one phrase without personal data.
    why           text NOT NULL DEFAULT '',
    PRIMARY KEY (commune_code, line)
);

-- The fitted Fellegi-Sunter model of that linkage ({m, u, prior}); NULL without a register.
ALTER TABLE thuadat.commune ADD COLUMN linkage_model jsonb;
