-- The national parcel identification code (mã định danh thửa đất; contract v2's `parcel_code`), as the parcels
-- file gave it (trimmed, empty as NULL), and whether the commune's parcels file had that column at all (the
-- `parcel_code` rule runs only then; an empty code is then a defect).
ALTER TABLE thuadat.parcel ADD COLUMN parcel_code text;
ALTER TABLE thuadat.commune ADD COLUMN has_parcel_code boolean NOT NULL DEFAULT false;
