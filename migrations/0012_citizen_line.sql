-- The register entry a holder was linked to, by its line in citizens.csv as well as by its position: a
-- server reads the matched record for `GET /parcels/{id}/holders` by key, not by counting rows.
ALTER TABLE thuadat.holder_link ADD COLUMN citizen_line integer;
UPDATE thuadat.holder_link l SET citizen_line = z.line
FROM (SELECT commune_code, line, (row_number() OVER (PARTITION BY commune_code ORDER BY line) - 1)::integer AS pos
      FROM thuadat.citizen) z
WHERE l.citizen IS NOT NULL AND z.commune_code = l.commune_code AND z.pos = l.citizen;
