-- For a holder not found whose current id the register lacks: the register entry of the same name and birth
-- year that carries another current id (a namesake, another person by the id), by its position and by its line
-- in citizens.csv, so that the officer can look at it. Never a link: `citizen` stays empty.
ALTER TABLE thuadat.holder_link ADD COLUMN candidate integer, ADD COLUMN candidate_line integer;
