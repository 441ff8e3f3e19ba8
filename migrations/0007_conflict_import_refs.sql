-- A conflict's first_seen / last_seen and a history row's import_id stay import ids, without a foreign key:
-- they are written in the transaction of the import or check they name (whose row it inserts first), and
-- import rows are never deleted, so the key checked nothing; but it was checked row by row, three checks of
-- the import table for every new conflict, a quarter to a third of the time a commune's first import spent
-- storing its conflicts (docs/BENCHMARKS.md). The keys that can fail stay: a conflict's commune, a history
-- row's conflict.
ALTER TABLE thuadat.conflict DROP CONSTRAINT conflict_first_seen_fkey;
ALTER TABLE thuadat.conflict DROP CONSTRAINT conflict_last_seen_fkey;
ALTER TABLE thuadat.conflict_history DROP CONSTRAINT conflict_history_import_id_fkey;
