-- The ids of the partitioned tables compare byte for byte (COLLATE "C"), and their indexes leave out
-- commune_code. A partition holds one commune, so a leading commune_code was the same in every entry: each
-- comparison of an index build went past it to the id, without the abbreviated keys PostgreSQL's sort uses for
-- a first column, and under the database's locale each of those comparisons was a strcoll. Ids are codes
-- ('00118-12-345', '012345678901'), not words: byte order is their order. A query by commune and id finds the
-- commune's partition and the id's index in it (docs/STORE.md).
DROP INDEX thuadat.parcel_commune_code_parcel_id_idx;
DROP INDEX thuadat.certificate_commune_code_cert_id_idx;
DROP INDEX thuadat.citizen_commune_code_citizen_id_idx;
ALTER TABLE thuadat.parcel ALTER COLUMN parcel_id TYPE text COLLATE "C";
ALTER TABLE thuadat.certificate ALTER COLUMN cert_id TYPE text COLLATE "C";
ALTER TABLE thuadat.citizen ALTER COLUMN citizen_id TYPE text COLLATE "C";
CREATE INDEX parcel_parcel_id ON thuadat.parcel (parcel_id);
CREATE INDEX certificate_cert_id ON thuadat.certificate (cert_id);
CREATE INDEX citizen_citizen_id ON thuadat.citizen (citizen_id);
