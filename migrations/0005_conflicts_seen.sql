-- The import (or check) whose conflicts the stored `present` conflicts are: a conflict that is still present
-- was last seen by it. A re-import then rewrites only the conflicts that changed instead of every row
-- (docs/STORE.md); `conflict.last_seen` keeps its meaning for conflicts that vanished.
ALTER TABLE thuadat.commune ADD COLUMN conflicts_seen bigint REFERENCES thuadat.import (id);
UPDATE thuadat.commune c
   SET conflicts_seen = (SELECT max(last_seen) FROM thuadat.conflict WHERE commune_code = c.code);
