-- Conflicts and their history become LIST partitions by commune, as the big tables did in 0004. A commune's
-- first import then COPYs its conflicts and their 'opened' rows into new tables, indexes them once and attaches
-- them, the foreign keys checked once by the ATTACH instead of row by row; inserting them into the shared
-- tables took most of that import's conflict step (docs/STORE.md, "Import"; docs/BENCHMARKS.md). Later runs
-- keep updating the commune's partitions in place, conflict by conflict (statuses and history persist).
-- Rows already stored move into one partition per commune.

-- The history's id sequence outlives the old table.
ALTER SEQUENCE thuadat.conflict_history_id_seq OWNED BY NONE;
ALTER TABLE thuadat.conflict_history RENAME TO conflict_history_unpartitioned;
ALTER INDEX thuadat.conflict_history_pkey RENAME TO conflict_history_unpartitioned_pkey;
ALTER INDEX thuadat.conflict_history_conflict RENAME TO conflict_history_unpartitioned_conflict;
ALTER TABLE thuadat.conflict RENAME TO conflict_unpartitioned;
ALTER INDEX thuadat.conflict_pkey RENAME TO conflict_unpartitioned_pkey;
ALTER INDEX thuadat.conflict_geom RENAME TO conflict_unpartitioned_geom;

CREATE TABLE thuadat.conflict (LIKE thuadat.conflict_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (commune_code);
ALTER TABLE thuadat.conflict ADD CONSTRAINT conflict_pkey PRIMARY KEY (commune_code, id);
ALTER TABLE thuadat.conflict ADD FOREIGN KEY (commune_code) REFERENCES thuadat.commune (code);
CREATE INDEX conflict_geom ON thuadat.conflict USING gist (geom);

-- A partitioned table's key includes the partition column: a history row is keyed by commune and id (the id
-- alone stays unique, from the one sequence).
CREATE TABLE thuadat.conflict_history (LIKE thuadat.conflict_history_unpartitioned INCLUDING DEFAULTS
    INCLUDING CONSTRAINTS) PARTITION BY LIST (commune_code);
ALTER SEQUENCE thuadat.conflict_history_id_seq OWNED BY thuadat.conflict_history.id;
ALTER TABLE thuadat.conflict_history ADD CONSTRAINT conflict_history_pkey PRIMARY KEY (commune_code, id);
ALTER TABLE thuadat.conflict_history ADD FOREIGN KEY (commune_code, conflict_id)
    REFERENCES thuadat.conflict (commune_code, id);
CREATE INDEX conflict_history_conflict ON thuadat.conflict_history (commune_code, conflict_id, id);

DO $$
DECLARE
    c text;
    t text;
BEGIN
    FOR c IN SELECT code FROM thuadat.commune LOOP
        FOREACH t IN ARRAY ARRAY['conflict', 'conflict_history'] LOOP
            EXECUTE format('CREATE TABLE thuadat.%I PARTITION OF thuadat.%I FOR VALUES IN (%L)',
                           thuadat.partition_name(t, c), t, c);
        END LOOP;
    END LOOP;
END $$;

INSERT INTO thuadat.conflict SELECT * FROM thuadat.conflict_unpartitioned;
INSERT INTO thuadat.conflict_history SELECT * FROM thuadat.conflict_history_unpartitioned;
DROP TABLE thuadat.conflict_history_unpartitioned, thuadat.conflict_unpartitioned;
