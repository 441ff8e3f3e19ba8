//! Per-commune partitions of the big tables (`parcel`, `certificate`, `citizen`, `holder_link`; migration
//! 0004) and of the conflicts (`conflict`, `conflict_history`; migration 0008). A writer fills a new table
//! without indexes, builds the indexes once over the whole commune, and at the end of its transaction drops the
//! commune's old partition and attaches the new one in its place: a bulk load that neither updates indexes row
//! by row nor deletes the old rows one by one, and that readers see all at once at the commit.
//!
//! Conflicts persist across imports (their reviews): a commune's first import stages them like this, later
//! runs update its partitions in place.
//!
//! The new table takes its columns, defaults, CHECK constraints, key and indexes from the catalogue of the
//! partitioned table, which takes no lock on it. Writers of different communes then run side by side until
//! their swaps, which a transaction-level advisory lock ([`lock_swaps`]) puts one after the other.
//!
//! **The rule that keeps them from deadlocking:** before [`lock_swaps`], a writer writes only to its own new
//! tables (and appends to `import`); the shared tables (`commune`, `grp`, the conflicts synced in place) are
//! written after it. Attaching a table checks the parent's foreign keys on it, which takes a SHARE ROW
//! EXCLUSIVE lock on the referenced table (`commune`; `conflict` for the history) until the commit. A writer
//! that had updated `commune` early and then waited for the swap lock would wait for a writer that waits for it
//! (`tests/store.rs`, two communes imported at once).

use sqlx::PgConnection;

use crate::error::{Error, Result};

/// The partitioned tables an import replaces, in the order they are swapped.
pub const TABLES: [&str; 4] = ["parcel", "certificate", "citizen", "holder_link"];

/// `s` as an SQL identifier.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `s` as an SQL string literal (standard_conforming_strings, PostgreSQL's default).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A commune's rows of one partitioned table, being loaded.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The partitioned table (`parcel`, ...).
    pub table: &'static str,
    /// The new table, qualified and quoted: the target of the COPY.
    pub name: String,
}

fn db(what: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::db(what, e)
}

/// Creates an empty table shaped like `thuadat.{table}` (columns with their collations, defaults, NOT NULL
/// and CHECK constraints), without indexes, named after the import, with commune `code`'s partition bound as a CHECK
/// constraint: rows are checked as they are copied in, and attaching the table needs no scan.
pub async fn create(conn: &mut PgConnection, table: &'static str, import_id: i64, code: &str) -> Result<Staged> {
    let parent = format!("thuadat.{table}");
    let columns: Option<String> = sqlx::query_scalar(
        "SELECT string_agg(format('%I %s%s%s%s', attname, format_type(atttypid, atttypmod), \
         CASE WHEN attcollation <> t.typcollation THEN ' COLLATE ' || attcollation::regcollation::text ELSE '' END, \
         CASE WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END, \
         CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END), ', ' ORDER BY attnum) \
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
    )
    .bind(&parent)
    .fetch_one(&mut *conn)
    .await
    .map_err(db("reading a table's columns"))?;
    let columns = columns.ok_or_else(|| Error::Stored(format!("{parent} has no columns")))?;
    let checks: String = sqlx::query_scalar(
        "SELECT coalesce(string_agg(format(', CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)), ''), '') \
         FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'",
    )
    .bind(&parent)
    .fetch_one(&mut *conn)
    .await
    .map_err(db("reading a table's constraints"))?;
    let name = format!("thuadat.{}", ident(&format!("{table}_import_{import_id}")));
    let bound = format!(", CONSTRAINT partition_bound CHECK (commune_code = {})", literal(code));
    sqlx::query(&format!("CREATE TABLE {name} ({columns}{checks}{bound})"))
        .execute(&mut *conn)
        .await
        .map_err(db("creating a new partition"))?;
    Ok(Staged { table, name })
}

/// Readies a loaded table to be attached as a partition: the parent's key and indexes, built once over all its
/// rows, and statistics.
pub async fn prepare(conn: &mut PgConnection, staged: &Staged) -> Result<()> {
    let parent = format!("thuadat.{}", staged.table);
    let name = &staged.name;
    let mut statements = Vec::new();
    let key: Option<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'",
    )
    .bind(&parent)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db("reading a table's key"))?;
    if let Some(key) = key {
        statements.push(format!("ALTER TABLE {name} ADD {key}"));
    }
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = $1::regclass AND NOT indisprimary \
         ORDER BY indexrelid",
    )
    .bind(&parent)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading a table's indexes"))?;
    for def in indexes {
        // `CREATE [UNIQUE] INDEX name ON ONLY thuadat.t USING method (columns)`
        let Some(at) = def.find(" USING ") else {
            return Err(Error::Stored(format!("{parent}: an index this program cannot copy: {def}")));
        };
        let unique = if def.starts_with("CREATE UNIQUE") { "UNIQUE " } else { "" };
        statements.push(format!("CREATE {unique}INDEX ON {name}{}", &def[at..]));
    }
    statements.push(format!("ANALYZE {name}"));
    for s in statements {
        sqlx::query(&s).execute(&mut *conn).await.map_err(db("indexing a new partition"))?;
    }
    Ok(())
}

/// The name of commune `code`'s partition of `thuadat.{table}`, and the partition (qualified) if it exists.
async fn partition_of(conn: &mut PgConnection, table: &str, code: &str) -> Result<(String, Option<String>)> {
    sqlx::query_as("SELECT p, to_regclass(format('thuadat.%I', p))::text FROM thuadat.partition_name($1, $2) p")
        .bind(table)
        .bind(code)
        .fetch_one(conn)
        .await
        .map_err(db("finding a partition"))
}

/// Whether commune `code` has a partition of `thuadat.{table}`.
pub async fn exists(conn: &mut PgConnection, table: &str, code: &str) -> Result<bool> {
    Ok(partition_of(conn, table, code).await?.1.is_some())
}

/// Takes the swap lock: held to the end of the transaction, it puts the swaps of concurrent writers one after
/// the other.
pub async fn lock_swaps(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('thuadat: partition swap'))")
        .execute(&mut *conn)
        .await
        .map_err(db("waiting for another writer's swap"))?;
    Ok(())
}

/// Drops commune `code`'s old partition of the table, if any, and attaches the new one in its place under
/// the partition's name (`thuadat.partition_name`).
pub async fn swap_in(conn: &mut PgConnection, staged: &Staged, code: &str) -> Result<()> {
    let table = staged.table;
    let (partition, old) = partition_of(conn, table, code).await?;
    let mut statements = Vec::new();
    if let Some(old) = old {
        statements.push(format!("DROP TABLE {old}"));
    }
    statements.push(format!(
        "ALTER TABLE thuadat.{table} ATTACH PARTITION {} FOR VALUES IN ({})",
        staged.name,
        literal(code)
    ));
    statements.push(format!("ALTER TABLE {} RENAME TO {}", staged.name, ident(&partition)));
    for s in statements {
        sqlx::query(&s).execute(&mut *conn).await.map_err(db("swapping in the new partition"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("parcel_00118"), "\"parcel_00118\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("Xã Yên Nghĩa's"), "'Xã Yên Nghĩa''s'");
    }
}
