//! Connecting to the store: the URL, PostGIS and the migrations, the commune lock, SRIDs, snapshots.

use sqlx::{Connection, PgConnection};

use super::{runtime, StoreSource, MIGRATOR};
use crate::crs::Crs;
use crate::error::{Error, Location, Result};

/// The URL without its password, for messages.
pub(super) fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Connects, makes sure PostGIS is there (creating it when allowed) and migrates the schema.
pub async fn connect(url: &str) -> Result<PgConnection> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::bad_input(
            Location::file("--db"),
            format!("`{}` is not a PostgreSQL URL (postgres://user@host:port/database)", shown(url)),
        ));
    }
    let mut conn = PgConnection::connect(url).await.map_err(|e| match e {
        sqlx::Error::Configuration(m) => Error::bad_input(Location::file("--db"), format!("`{}`: {m}", shown(url))),
        e => Error::db(format!("cannot connect to {}", shown(url)), e),
    })?;
    let has: Option<String> = sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| Error::db("looking for PostGIS", e))?;
    if has.is_none() {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(&mut conn).await.map_err(|e| {
            Error::db(
                "PostGIS is not installed in this database and cannot be created here (install \
                 postgresql-15-postgis-3 and run `CREATE EXTENSION postgis` as a superuser)",
                e,
            )
        })?;
    }
    MIGRATOR.run(&mut conn).await.map_err(Error::Migration)?;
    Ok(conn)
}

/// Takes the commune's advisory lock for the transaction; says so on stderr when it has to wait.
pub(super) async fn lock_commune(conn: &mut PgConnection, code: &str) -> Result<()> {
    let key = format!("thuadat.commune:{code}");
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&key)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::db("locking the commune", e))?;
    if !got {
        tracing::info!("commune {code}: another import or check of this commune is running; waiting for it to finish");
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::db("waiting for the commune's lock", e))?;
    }
    Ok(())
}

/// The custom SRID registered for a PROJ string, if any.
pub(super) async fn custom_srid(conn: &mut PgConnection, proj: &str) -> Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT srid FROM spatial_ref_sys WHERE auth_name = 'thuadat' AND proj4text = $1 ORDER BY srid LIMIT 1",
    )
    .bind(proj)
    .fetch_optional(conn)
    .await
    .map_err(|e| Error::db("looking up the custom SRID", e))
}

/// The SRID for geometries in `crs`: its EPSG code when PostGIS knows it, else a custom SRID (900000 and up)
/// registered in `spatial_ref_sys` with the CRS's PROJ string (so QGIS and `ST_Transform` work).
pub(super) async fn srid_for(conn: &mut PgConnection, crs: &Crs) -> Result<i32> {
    let def = crs.definition.trim();
    let upper = def.to_ascii_uppercase();
    let epsg = if matches!(upper.as_str(), "OGC:CRS84" | "CRS:84" | "WGS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84") {
        Some(4326)
    } else {
        upper
            .strip_prefix("EPSG:")
            .or_else(|| upper.strip_prefix("URN:OGC:DEF:CRS:EPSG::"))
            .and_then(|c| c.trim().parse::<i32>().ok())
    };
    let db = |what: &'static str| move |e| Error::db(what, e);
    if let Some(code) = epsg {
        let known: Option<i32> = sqlx::query_scalar("SELECT srid FROM spatial_ref_sys WHERE srid = $1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("looking up the SRID"))?;
        if known.is_some() {
            return Ok(code);
        }
    }
    if let Some(srid) = custom_srid(conn, &crs.proj_string).await? {
        return Ok(srid);
    }
    // A new CRS is registered in a transaction of its own, committed at once: two imports that register the
    // same CRS take turns for that moment only, not for the whole of the first one (a CRS registered by an
    // import that then fails stays, a valid definition the next import uses).
    let mut tx = conn.begin().await.map_err(db("starting to register the CRS"))?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('thuadat.spatial_ref_sys', 0))")
        .execute(&mut *tx)
        .await
        .map_err(db("locking spatial_ref_sys"))?;
    if let Some(srid) = custom_srid(&mut tx, &crs.proj_string).await? {
        return Ok(srid);
    }
    crate::input::gdal::quiet_gdal();
    let wkt = gdal::spatial_ref::SpatialRef::from_proj4(&crs.proj_string).and_then(|s| s.to_wkt()).unwrap_or_default();
    let srid = sqlx::query_scalar(
        "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) \
         SELECT s, 'thuadat', s, $1, $2 FROM (SELECT GREATEST(900000, COALESCE(MAX(srid), 0) + 1) AS s \
         FROM spatial_ref_sys WHERE srid >= 900000) n RETURNING srid",
    )
    .bind(wkt)
    .bind(&crs.proj_string)
    .fetch_one(&mut *tx)
    .await
    .map_err(db("registering the CRS in spatial_ref_sys"))?;
    tx.commit().await.map_err(db("registering the CRS in spatial_ref_sys"))?;
    Ok(srid)
}

/// The commune to read: `chosen`, else the store's only one.
pub(super) async fn pick_commune(conn: &mut PgConnection, chosen: Option<&str>) -> Result<String> {
    if let Some(c) = chosen {
        return Ok(c.to_string());
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM thuadat.commune ORDER BY code")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("listing the communes", e))?;
    match known.len() {
        1 => Ok(known[0].clone()),
        _ => Err(Error::bad_input(
            Location::file("--commune"),
            format!("choose the commune to serve with --commune (the store holds: {})", list_or_none(&known)),
        )),
    }
}

/// The commune a server of the store serves: the chosen one, else the store's only one.
pub fn resolve_commune(store: &StoreSource) -> Result<String> {
    let rt = runtime()?;
    rt.block_on(async {
        let mut conn = connect(&store.url).await?;
        pick_commune(&mut conn, store.commune.as_deref()).await
    })
}

/// Starts a read-only repeatable-read transaction: every query of it sees the store as at its start.
pub(super) async fn begin_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::db("starting a read", e))?;
    Ok(())
}

pub(super) async fn end_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("COMMIT").execute(&mut *conn).await.map_err(|e| Error::db("ending a read", e))?;
    Ok(())
}

pub(super) fn list_or_none(codes: &[String]) -> String {
    if codes.is_empty() {
        "no commune".into()
    } else {
        codes.join(", ")
    }
}
