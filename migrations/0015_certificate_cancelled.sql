-- A certificate cancelled by an officer (issue 18: a re-issued duplicate, a certificate withdrawn): its rows
-- stay on record but take no part in the check, the served data or an export.
ALTER TABLE thuadat.certificate ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
