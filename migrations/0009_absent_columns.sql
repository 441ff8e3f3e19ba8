-- The contract's optional certificate columns that the commune's certificates.csv lacked at its import
-- (canonical names, e.g. {area}): a check of the stored commune skips the same rules and gives the same
-- warnings as a check of the directory.
ALTER TABLE thuadat.commune ADD COLUMN absent_columns text[] NOT NULL DEFAULT '{}';
