//! Reading a commune back from the store as raw features and tables, for [`Dataset::from_raw`].

use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use sqlx::{PgConnection, Row};

use super::connection::{begin_snapshot, end_snapshot, list_or_none};
use super::wkb;
use crate::config::DatasetConfig;
use crate::crs::Crs;
use crate::dataset::certificates::Certificates;
use crate::dataset::certificates::{CertificateRow, CertificatesBuilder, OPTIONAL_COLUMNS};
use crate::dataset::features::{FeatureSource, LayerInfo, Sink};
use crate::dataset::parcels::{RawFeature, RawGeometry, RawPolygon, RawValue};
use crate::dataset::{Dataset, InputFile, RawHead, RawTables};
use crate::error::{Error, Location, Result};
use crate::linkage::holders::{HolderLink, Linkage, Status as HolderStatus};
use crate::linkage::matcher::Model;
use crate::linkage::register::Register;

pub(super) fn raw_polygons(json: &str) -> std::result::Result<Vec<RawPolygon>, String> {
    let coords: Vec<Vec<Vec<[f64; 2]>>> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(coords
        .into_iter()
        .map(|rings| rings.into_iter().map(|r| r.into_iter().map(|[x, y]| geo::Coord { x, y }).collect()).collect())
        .collect())
}

/// The stored holder linkage of `code`, when it covers exactly these certificate rows (else None: the
/// linkage was not stored, or the rows changed since).
pub(super) async fn load_linkage(conn: &mut PgConnection, code: &str, certs: &Certificates) -> Result<Option<Linkage>> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let Some(model) = load_model(conn, code).await? else { return Ok(None) };
    let mut holders = Vec::with_capacity(certs.holders.len());
    let mut rows = sqlx::query(
        "SELECT line, status, citizen, score, why, candidate FROM thuadat.holder_link WHERE commune_code = $1 ORDER BY line",
    )
    .bind(code)
    .fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db("reading the holder linkage"))? {
        let line: i32 = r.get(0);
        if certs.holders.get(holders.len()).map(|h| h.line as i32) != Some(line) {
            return Ok(None);
        }
        let status: &str = r.get(1);
        let Some(status) = HolderStatus::parse(status) else { return Ok(None) };
        holders.push(HolderLink {
            status,
            citizen: r.get::<Option<i32>, _>(2).map(|c| c as u32),
            score: r.get(3),
            why: r.get(4),
            candidate: r.get::<Option<i32>, _>(5).map(|c| c as u32),
        });
    }
    Ok((holders.len() == certs.holders.len()).then_some(Linkage { holders, model }))
}

/// The population register of commune `code` as stored (empty when it has none), ready for linkage.
/// Rows are named as `dir/citizen`, line N (`dir`: where the store's tables are said to be, e.g.
/// `postgresql://host/db/00118`).
pub(crate) async fn load_register(conn: &mut PgConnection, code: &str, dir: &Path) -> Result<Register> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let bad = |table: &str, line: i32, m: String| Error::bad_input(Location::row(dir.join(table), line as usize), m);
    let mut register = Register::default();
    let mut rows = sqlx::query(
        "SELECT line, citizen_id, full_name, birth_date, female, address FROM thuadat.citizen \
         WHERE commune_code = $1 ORDER BY line",
    )
    .bind(code)
    .fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db("reading the citizens"))? {
        let line: i32 = r.get(0);
        let birth: Option<String> = r.get(3);
        let birth = match birth {
            Some(b) => crate::input::date::parse_date(&b).map_err(|m| bad("citizen", line, m))?,
            None => None,
        };
        let address: Option<String> = r.get(5);
        register.push(
            line as u32,
            r.get::<&str, _>(1),
            r.get::<&str, _>(2),
            birth,
            r.get(4),
            address.as_deref().unwrap_or(""),
        )?;
    }
    register.finish();
    Ok(register)
}

/// The stored linkage model of commune `code` (None: its linkage was not stored).
pub(crate) async fn load_model(conn: &mut PgConnection, code: &str) -> Result<Option<Model>> {
    let model: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT linkage_model FROM thuadat.commune WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| Error::db("reading the linkage model", e))?;
    let Some(model) = model else { return Ok(None) };
    serde_json::from_value(model)
        .map(Some)
        .map_err(|e| Error::Stored(format!("commune {code}: the stored linkage model is unreadable: {e}")))
}

/// The commune's row: what reading its parcels needs, and whether it has a register.
pub(super) async fn load_head(conn: &mut PgConnection, code: &str) -> Result<(RawHead, Stored)> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let row = sqlx::query(
        "SELECT name, crs, config, has_register, absent_columns, has_parcel_code FROM thuadat.commune \
             WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db("reading the commune"))?;
    let Some(row) = row else {
        let known: Vec<String> = sqlx::query_scalar("SELECT code FROM thuadat.commune ORDER BY code")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("listing the communes"))?;
        return Err(Error::bad_input(
            Location::file("--commune"),
            format!("commune `{code}` is not in the store (it holds: {})", list_or_none(&known)),
        ));
    };
    let name: String = row.get(0);
    let crs_def: String = row.get(1);
    let config: serde_json::Value = row.get(2);
    let has_register: bool = row.get(3);
    let absent: Vec<String> = row.get(4);
    let has_parcel_codes: bool = row.get(5);
    let dir = PathBuf::from(format!("postgresql:thuadat/{code}"));
    // Names this version does not know (a newer one wrote them) are left out.
    let absent_columns =
        OPTIONAL_COLUMNS.iter().copied().filter(|c| absent.iter().any(|a| a == c)).collect::<Vec<&'static str>>();
    let config: DatasetConfig = serde_json::from_value(config)
        .map_err(|e| Error::Stored(format!("{}: stored dataset config: {e}", dir.display())))?;
    let crs = Crs::parse(&crs_def).map_err(|e| Error::bad_input(Location::file(&dir).field("crs"), e))?;
    Ok((RawHead { dir, name, config, crs, has_parcel_codes }, Stored { has_register, absent_columns }))
}

/// What the commune's row says of its import besides the head.
pub(super) struct Stored {
    /// The import had a population register (citizens.csv).
    pub(super) has_register: bool,
    /// The optional certificate columns its certificates.csv lacked (canonical names).
    pub(super) absent_columns: Vec<&'static str>,
}

/// The commune's tables but the parcels (which [`load_dataset`] streams after them). With `stored`, the
/// holder linkage stored by the last import or check is read instead of the register (a server's start: it
/// serves no register data); without it, or when none is stored, the register is read to link again.
pub(super) async fn load_tables(
    conn: &mut PgConnection,
    code: &str,
    dir: &Path,
    facts: Stored,
    stored: bool,
) -> Result<RawTables> {
    let has_register = facts.has_register;
    let db = |what: &'static str| move |e| Error::db(what, e);
    let bad = |table: &str, line: i32, m: String| Error::bad_input(Location::row(dir.join(table), line as usize), m);
    let mut b = CertificatesBuilder::default();
    let mut holders = 0usize;
    {
        let mut rows = sqlx::query(
            "SELECT line, cert_id, serial, commune, sheet, parcel_no, area, land_use, issued, holder_name, \
             holder_id, holder_birth, address FROM thuadat.certificate WHERE commune_code = $1 AND NOT cancelled \
             ORDER BY line",
        )
        .bind(code)
        .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await.map_err(db("reading the certificates"))? {
            let s = |i: usize| r.get::<Option<String>, _>(i).unwrap_or_default();
            let (cert_id, serial, commune, parcel_no, land_use, issued) = (s(1), s(2), s(3), s(5), s(7), s(8));
            let (holder_name, holder_id, holder_birth, address) = (s(9), s(10), s(11), s(12));
            let line: i32 = r.get(0);
            let row = CertificateRow {
                cert_id: &cert_id,
                serial: &serial,
                commune: &commune,
                sheet: r.get(4),
                parcel_no: &parcel_no,
                area: r.get(6),
                land_use: &land_use,
                issued: &issued,
                holder_name: &holder_name,
                holder_id: &holder_id,
                holder_birth: &holder_birth,
                address: &address,
            };
            b.push_row(&row, line as u32)?;
            holders += 1;
        }
    }
    let mut certificates = b.finish();
    certificates.absent_columns = facts.absent_columns;
    let mut inputs = vec![InputFile {
        role: "certificates".into(),
        path: dir.join("certificate"),
        format: "PostgreSQL".into(),
        records: holders,
    }];
    let linkage = if stored && has_register { load_linkage(conn, code, &certificates).await? } else { None };
    if let Some(l) = &linkage {
        inputs.push(InputFile {
            role: "holder_linkage".into(),
            path: dir.join("holder_link"),
            format: "PostgreSQL".into(),
            records: l.holders.len(),
        });
    }
    let register = if has_register && linkage.is_none() {
        let register = load_register(conn, code, dir).await?;
        inputs.push(InputFile {
            role: "citizens".into(),
            path: dir.join("citizen"),
            format: "PostgreSQL".into(),
            records: register.len(),
        });
        Some(register)
    } else {
        None
    };
    let mut groups = Vec::new();
    {
        let mut rows = sqlx::query(
            "SELECT position, name, ST_AsBinary(geom), geom_raw FROM thuadat.grp WHERE commune_code = $1 \
             ORDER BY position",
        )
        .bind(code)
        .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await.map_err(db("reading the groups"))? {
            let position: i32 = r.get(0);
            let geom: Option<Vec<u8>> = r.get(2);
            let raw: Option<String> = r.get(3);
            let g = stored_geometry(geom, raw, true).map_err(|m| bad("grp", position, m))?;
            groups.push((r.get::<Option<String>, _>(1), g));
        }
    }
    Ok(RawTables { certificates, register, linkage, groups, inputs })
}

/// Reads commune `code` back into a [`Dataset`] through the same pipeline as a dataset directory: the
/// parcels stream from the database into the pipeline's converter as they arrive. With `stored_linkage`, the
/// holder linkage of the last import or check comes with it instead of the register (see [`load_tables`]).
///
/// Everything is read in one read-only repeatable-read transaction, so that an import committed meanwhile is
/// not half seen. (Reading the tables on a second connection while the parcels stream, in the same exported
/// snapshot, was measured: on 2 cores it took more CPU and no less time.)
pub fn load_dataset(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    code: &str,
    stored_linkage: bool,
) -> Result<Dataset> {
    let (head, tables) = rt.block_on(async {
        begin_snapshot(&mut *conn).await?;
        let (head, facts) = load_head(&mut *conn, code).await?;
        let tables = load_tables(&mut *conn, code, &head.dir, facts, stored_linkage).await?;
        Ok::<_, Error>((head, tables))
    })?;
    let dir = head.dir.clone();
    let dataset = Dataset::from_raw(head, tables, &mut StoredParcels { rt, conn: &mut *conn, code, dir: &dir })?;
    rt.block_on(end_snapshot(conn))?;
    Ok(dataset)
}

/// The parcels of a commune in the store, in the order of its parcels file, streamed as they arrive.
struct StoredParcels<'a> {
    rt: &'a tokio::runtime::Runtime,
    conn: &'a mut PgConnection,
    code: &'a str,
    /// Stands for the commune in errors (`postgresql:<db>/<code>`).
    dir: &'a Path,
}

impl FeatureSource for StoredParcels<'_> {
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<LayerInfo> {
        let StoredParcels { rt, conn, code, dir } = self;
        let bad = |line: i32, m: String| Error::bad_input(Location::feature(dir.join("parcel"), line as usize), m);
        let features = rt.block_on(async {
            let mut stream = sqlx::query(
                "SELECT feature, source_id, commune, sheet, parcel_no, grp, land_use, area, geom_kind, \
                 ST_AsBinary(geom), geom_raw, retired, parcel_code, drawn_defect FROM thuadat.parcel \
                 WHERE commune_code = $1 \
                 ORDER BY feature",
            )
            .bind(*code)
            .fetch(&mut **conn);
            let (mut next, mut passed) = (0i32, 0usize);
            while let Some(r) = stream.try_next().await.map_err(|e| Error::db("reading the parcels", e))? {
                let feature: i32 = r.get(0);
                if feature != next {
                    return Err(bad(next, "missing from the store".into()));
                }
                next += 1;
                // Retired by an officer: on record, not on the map; the others keep their feature numbers.
                if r.get::<bool, _>(11) {
                    continue;
                }
                passed += 1;
                let t = |i: usize| r.get::<Option<String>, _>(i).map_or(RawValue::Null, RawValue::Text);
                let n = |i: usize| r.get::<Option<i64>, _>(i).map_or(RawValue::Null, RawValue::Int);
                let area = r.get::<Option<f64>, _>(7).map_or(RawValue::Null, RawValue::Real);
                let kind: &str = r.get(8);
                let geometry = match kind {
                    "missing" => RawGeometry::Missing,
                    "not_areal" => RawGeometry::NotAreal(r.get::<Option<String>, _>(10).unwrap_or_default()),
                    _ => stored_geometry(r.get(9), r.get(10), false).map_err(|m| bad(feature, m))?,
                };
                let values = vec![t(1), t(2), n(3), n(4), t(5), t(6), area, t(12)];
                let defect = r.get::<Option<String>, _>(13);
                sink(RawFeature { geometry, values, position: Some(feature as u32), defect }, None)?;
            }
            Ok(passed)
        })?;
        // Whether the commune has a `parcel_code` column is the commune's row's to say (`RawHead`).
        Ok(LayerInfo { driver: "PostgreSQL".into(), crs: None, features, crs_after_features: false, present: vec![] })
    }
}

/// A stored geometry: WKB from `geom`, else the raw JSON coordinates.
pub(super) fn stored_geometry(
    geom: Option<Vec<u8>>,
    raw: Option<String>,
    group: bool,
) -> std::result::Result<RawGeometry, String> {
    match (geom, raw) {
        (Some(wkb), _) => wkb::read_wkb(&wkb).map(RawGeometry::Polygons),
        (None, Some(raw)) => match raw.strip_prefix("not_areal:") {
            Some(what) if group => Ok(RawGeometry::NotAreal(what.to_string())),
            _ => raw_polygons(&raw).map(RawGeometry::Polygons),
        },
        (None, None) => Ok(RawGeometry::Missing),
    }
}
