-- Parcel edits (issue 18, OGC API - Features Part 4 on /collections/parcels/items): a parcel retired by an
-- officer (DELETE) keeps its row, with its feature number, on record; it takes no part in the check, the served
-- data or an export. New parcels (POST) take the next feature number of their commune. `edit.target` now
-- names 'parcel' too (and 'holder' for a holder's current id).
ALTER TABLE thuadat.parcel ADD COLUMN retired boolean NOT NULL DEFAULT false;
