-- Officers' decisions on holder links (issue 17): an officer, admin or field user confirms or rejects the link
-- of the holder at a certificate line to the register's record (`PUT /parcels/{id}/holders/{line}`). Every
-- decision is kept; the latest (highest id) is the holder's decision. Written with an audit_log row in one
-- transaction. Not partitioned and without a foreign key to the certificate partitions: an import swaps those
-- whole, and the decisions outlive it.
CREATE TABLE thuadat.holder_decision (
    id            bigserial PRIMARY KEY,
    commune_code  text NOT NULL,
    -- The certificate row (thuadat.certificate.line) of the holder.
    line          integer NOT NULL,
    decision      text NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    comment       text,
    by_whom       text NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    -- The link decided on: the register entry's line in citizens.csv (holder_link.citizen_line) at the time,
    -- NULL when the holder was linked to no one.
    citizen_line  integer
);
CREATE INDEX holder_decision_line ON thuadat.holder_decision (commune_code, line, id);
