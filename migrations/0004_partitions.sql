-- The big per-commune tables become LIST partitions by commune: an import loads a commune's rows into a new
-- table without indexes, builds the indexes once, and swaps it in for the old partition at the end of its
-- transaction (docs/STORE.md, "Import"). Rows already stored move into one partition per commune.

-- The name of commune `code`'s partition of `tbl` (the import uses it too).
CREATE FUNCTION thuadat.partition_name(tbl text, code text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN CASE WHEN octet_length(tbl || '_' || code) <= 63 THEN tbl || '_' || code
                ELSE tbl || '_' || md5(code) END;

ALTER TABLE thuadat.parcel RENAME TO parcel_unpartitioned;
CREATE TABLE thuadat.parcel (LIKE thuadat.parcel_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (commune_code);
ALTER TABLE thuadat.parcel ADD PRIMARY KEY (commune_code, feature);
ALTER TABLE thuadat.parcel ADD FOREIGN KEY (commune_code) REFERENCES thuadat.commune (code);
CREATE INDEX ON thuadat.parcel USING gist (geom);
CREATE INDEX ON thuadat.parcel (commune_code, parcel_id);

ALTER TABLE thuadat.certificate RENAME TO certificate_unpartitioned;
CREATE TABLE thuadat.certificate (LIKE thuadat.certificate_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (commune_code);
ALTER TABLE thuadat.certificate ADD PRIMARY KEY (commune_code, line);
ALTER TABLE thuadat.certificate ADD FOREIGN KEY (commune_code) REFERENCES thuadat.commune (code);
CREATE INDEX ON thuadat.certificate (commune_code, cert_id);

ALTER TABLE thuadat.citizen RENAME TO citizen_unpartitioned;
CREATE TABLE thuadat.citizen (LIKE thuadat.citizen_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (commune_code);
ALTER TABLE thuadat.citizen ADD PRIMARY KEY (commune_code, line);
ALTER TABLE thuadat.citizen ADD FOREIGN KEY (commune_code) REFERENCES thuadat.commune (code);
CREATE INDEX ON thuadat.citizen (commune_code, citizen_id);

ALTER TABLE thuadat.holder_link RENAME TO holder_link_unpartitioned;
CREATE TABLE thuadat.holder_link (LIKE thuadat.holder_link_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (commune_code);
ALTER TABLE thuadat.holder_link ADD PRIMARY KEY (commune_code, line);
ALTER TABLE thuadat.holder_link ADD FOREIGN KEY (commune_code) REFERENCES thuadat.commune (code);

DO $$
DECLARE
    c text;
    t text;
BEGIN
    FOR c IN SELECT code FROM thuadat.commune LOOP
        FOREACH t IN ARRAY ARRAY['parcel', 'certificate', 'citizen', 'holder_link'] LOOP
            EXECUTE format('CREATE TABLE thuadat.%I PARTITION OF thuadat.%I FOR VALUES IN (%L)',
                           thuadat.partition_name(t, c), t, c);
        END LOOP;
    END LOOP;
END $$;

INSERT INTO thuadat.parcel SELECT * FROM thuadat.parcel_unpartitioned;
INSERT INTO thuadat.certificate SELECT * FROM thuadat.certificate_unpartitioned;
INSERT INTO thuadat.citizen SELECT * FROM thuadat.citizen_unpartitioned;
INSERT INTO thuadat.holder_link SELECT * FROM thuadat.holder_link_unpartitioned;
DROP TABLE thuadat.parcel_unpartitioned, thuadat.certificate_unpartitioned, thuadat.citizen_unpartitioned,
    thuadat.holder_link_unpartitioned;
