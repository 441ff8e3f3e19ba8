-- What the drawing a parcel was built from says is wrong with it (a map sheet of lines whose face holds two
-- parcel numbers: "a boundary is missing ..."), so that the store gives the check the same invalid geometry as
-- the sheets did. NULL for parcels of a parcels file, and once an officer edits the parcel.
ALTER TABLE thuadat.parcel ADD COLUMN drawn_defect text;
