//! `thuadat export --db`: a commune of the store written back as a dataset directory of the contract, as it now
//! stands: `dataset.toml` (the commune's own, its CRS as stored), `parcels.geojson` (every feature in file
//! order, coordinates in the commune's own CRS exactly as stored, properties under the commune's own column
//! names), `certificates.csv` (one row per stored line, in line order, the commune's own column names, the
//! columns its file lacked left out; certificates an officer cancelled left out), `citizens.csv` (when the commune has a register) and `groups.geojson`.
//! Ready for the source system, or for a fresh `import` that gives the same commune back.
//!
//! Nothing half-written and nothing overwritten: the files go into a new directory beside `out`, renamed to
//! `out` once all are written; an existing `out` is refused unless it is an empty directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use serde_json::{json, Map, Value};
use sqlx::{PgConnection, Row};

use super::connection::{begin_snapshot, connect, end_snapshot, pick_commune};
use super::read::stored_geometry;
use crate::config::{DatasetConfig, CERTIFICATE_FIELDS, CITIZEN_FIELDS, PARCEL_FIELDS};
use crate::dataset::parcels::RawGeometry;
use crate::error::{Error, Location, Result};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The commune's code.
    pub commune: String,
    /// The directory written.
    pub dir: PathBuf,
    /// Features of parcels.geojson.
    pub parcels: usize,
    /// Rows of certificates.csv.
    pub certificate_rows: usize,
    /// Rows of citizens.csv (None: the commune has no register).
    pub citizens: Option<usize>,
    /// Features of groups.geojson.
    pub groups: usize,
}

fn db(what: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::db(what, e)
}

/// The directory the files are written into before the rename: beside `out`, never inside the user's files.
fn staging(out: &Path) -> Result<PathBuf> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::bad_input(
                    Location::file(out),
                    "exists and is not empty: export writes a new dataset directory (choose another --out)",
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(Error::bad_input(Location::file(out), "is a file: --out names a directory to create"))
        }
        Err(e) => return Err(Error::unreadable(out, &e)),
    }
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stage = parent.join(format!(".{name}.partial-{}", std::process::id()));
    std::fs::create_dir_all(&stage).map_err(|e| Error::io(&stage, e))?;
    Ok(stage)
}

/// A geometry as GeoJSON, coordinates as stored (serde_json writes the shortest text that reads back the same
/// `f64`).
pub(super) fn geometry_json(g: &RawGeometry) -> Value {
    match g {
        RawGeometry::Missing | RawGeometry::NotAreal(_) => Value::Null,
        RawGeometry::Polygons(polys) => {
            let coords = super::import::raw_coordinates(polys);
            if coords.len() == 1 {
                json!({"type": "Polygon", "coordinates": coords[0]})
            } else {
                json!({"type": "MultiPolygon", "coordinates": coords})
            }
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))
}

/// One feature per line, so that a large commune's file stays diffable.
fn feature_collection(features: &[Value]) -> Vec<u8> {
    let mut out = b"{\"type\":\"FeatureCollection\",\"features\":[\n".to_vec();
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(f.to_string().as_bytes());
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

/// The parcels as GeoJSON; `parcel_code` written on every feature (null when empty) when the commune's parcels
/// had that column, so that the column survives the round trip even where every code is empty.
async fn parcels(
    conn: &mut PgConnection,
    code: &str,
    config: &DatasetConfig,
    has_codes: bool,
    dir: &Path,
) -> Result<usize> {
    // The contract's properties, in the order the query selects them (after `feature`).
    let names: Vec<(usize, String)> =
        PARCEL_FIELDS.iter().enumerate().map(|(k, canonical)| (k + 1, config.columns.parcel(canonical))).collect();
    let mut features = Vec::new();
    let mut rows = sqlx::query(
        "SELECT feature, source_id, commune, sheet, parcel_no, grp, land_use, area, parcel_code, geom_kind, \
         ST_AsBinary(geom), geom_raw FROM thuadat.parcel WHERE commune_code = $1 AND NOT retired ORDER BY feature",
    )
    .bind(code)
    .fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db("reading the parcels"))? {
        let feature: i32 = r.get(0);
        let mut props = Map::new();
        for (i, name) in &names {
            let v = match i {
                3 | 4 => r.get::<Option<i64>, _>(*i).map_or(Value::Null, Value::from),
                7 => r.get::<Option<f64>, _>(*i).map_or(Value::Null, Value::from),
                _ => r.get::<Option<String>, _>(*i).map_or(Value::Null, Value::from),
            };
            if !v.is_null() || (*i == 8 && has_codes) {
                props.insert(name.clone(), v);
            }
        }
        let kind: &str = r.get(9);
        let geometry = match kind {
            "polygons" => stored_geometry(r.get(10), r.get(11), false).map_err(|m| {
                Error::bad_input(
                    Location::feature(PathBuf::from(format!("postgresql:thuadat/{code}/parcel")), feature as usize),
                    m,
                )
            })?,
            _ => RawGeometry::Missing,
        };
        features.push(json!({"type": "Feature", "properties": props, "geometry": geometry_json(&geometry)}));
    }
    drop(rows);
    write_file(&dir.join("parcels.geojson"), &feature_collection(&features))?;
    Ok(features.len())
}

async fn certificates(
    conn: &mut PgConnection,
    code: &str,
    config: &DatasetConfig,
    absent: &[String],
    dir: &Path,
) -> Result<usize> {
    let path = dir.join("certificates.csv");
    // The contract's columns, in the order the query selects them.
    let kept: Vec<(usize, &str)> = CERTIFICATE_FIELDS
        .iter()
        .enumerate()
        .filter(|(_, c)| !absent.iter().any(|a| a == *c))
        .map(|(i, c)| (i, *c))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = kept.iter().map(|(_, c)| config.columns.certificate(c)).collect();
    let fail = |e: csv::Error| Error::io(&path, std::io::Error::other(e));
    w.write_record(&header).map_err(fail)?;
    let mut rows = sqlx::query(
        "SELECT cert_id, serial, commune, sheet::text, parcel_no, area, land_use, issued, holder_name, holder_id, \
         holder_birth, address FROM thuadat.certificate WHERE commune_code = $1 AND NOT cancelled ORDER BY line",
    )
    .bind(code)
    .fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await.map_err(db("reading the certificates"))? {
        let record: Vec<String> = kept
            .iter()
            .map(|(i, _)| match i {
                5 => r.get::<Option<f64>, _>(*i).map(|a| a.to_string()).unwrap_or_default(),
                _ => r.get::<Option<String>, _>(*i).unwrap_or_default(),
            })
            .collect();
        w.write_record(&record).map_err(fail)?;
        n += 1;
    }
    let bytes = w.into_inner().map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?;
    write_file(&path, &bytes)?;
    Ok(n)
}

async fn citizens(conn: &mut PgConnection, code: &str, config: &DatasetConfig, dir: &Path) -> Result<usize> {
    let path = dir.join("citizens.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::io(&path, std::io::Error::other(e));
    w.write_record(CITIZEN_FIELDS.iter().map(|c| config.columns.citizen(c))).map_err(fail)?;
    let mut rows = sqlx::query(
        "SELECT citizen_id, full_name, birth_date, female, address FROM thuadat.citizen WHERE commune_code = $1 \
         ORDER BY line",
    )
    .bind(code)
    .fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await.map_err(db("reading the register"))? {
        let gender = match r.get::<Option<bool>, _>(3) {
            Some(true) => "Nữ",
            Some(false) => "Nam",
            None => "",
        };
        let s = |i: usize| r.get::<Option<String>, _>(i).unwrap_or_default();
        w.write_record([s(0), s(1), s(2), gender.to_string(), s(4)]).map_err(fail)?;
        n += 1;
    }
    let bytes = w.into_inner().map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?;
    write_file(&path, &bytes)?;
    Ok(n)
}

async fn groups(conn: &mut PgConnection, code: &str, config: &DatasetConfig, dir: &Path) -> Result<usize> {
    let name_column = config.columns.group("group");
    let mut features = Vec::new();
    let mut rows = sqlx::query(
        "SELECT position, name, ST_AsBinary(geom), geom_raw FROM thuadat.grp WHERE commune_code = $1 ORDER BY position",
    )
    .bind(code)
    .fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db("reading the groups"))? {
        let position: i32 = r.get(0);
        let g = stored_geometry(r.get(2), r.get(3), true).map_err(|m| {
            Error::bad_input(
                Location::feature(PathBuf::from(format!("postgresql:thuadat/{code}/grp")), position as usize),
                m,
            )
        })?;
        let mut props = Map::new();
        if let Some(name) = r.get::<Option<String>, _>(1) {
            props.insert(name_column.clone(), Value::from(name));
        }
        features.push(json!({"type": "Feature", "properties": props, "geometry": geometry_json(&g)}));
    }
    drop(rows);
    write_file(&dir.join("groups.geojson"), &feature_collection(&features))?;
    Ok(features.len())
}

/// The commune's dataset.toml: its own settings, with the CRS it was stored in and the parcels as one file
/// (a commune imported from map sheets comes back as parcels.geojson).
fn dataset_toml(config_json: Value, crs: &str, path: &Path) -> Result<()> {
    let mut config: DatasetConfig = serde_json::from_value(config_json)
        .map_err(|cause| Error::Json { what: "the stored dataset config", cause })?;
    config.crs = Some(crs.to_string());
    config.map_sheets = None;
    let text = toml::to_string(&config).map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    write_file(
        path,
        format!("# Written by `thuadat export` from the PostGIS store: the commune as it now stands.\n{text}")
            .as_bytes(),
    )
}

/// `thuadat export --db <url> [--commune <code>] --out <dir>`: see the module's documentation. Everything is
/// read in one read-only snapshot, so an edit or import committed meanwhile is not half seen.
pub fn export(url: &str, commune: Option<&str>, out: &Path) -> Result<Exported> {
    let stage = staging(out)?;
    let rt = super::runtime()?;
    let result = rt.block_on(async {
        let mut conn = connect(url).await?;
        let code = pick_commune(&mut conn, commune).await?;
        begin_snapshot(&mut conn).await?;
        let row = sqlx::query(
            "SELECT crs, config, has_register, absent_columns, has_parcel_code FROM thuadat.commune WHERE code = $1",
        )
        .bind(&code)
        .fetch_optional(&mut conn)
        .await
        .map_err(db("reading the commune"))?
        .ok_or_else(|| Error::bad_input(Location::file("--commune"), format!("the store has no commune `{code}`")))?;
        let (crs, config_json, has_register, absent, has_codes): (String, Value, bool, Vec<String>, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let config: DatasetConfig = serde_json::from_value(config_json.clone())
            .map_err(|cause| Error::Json { what: "the stored dataset config", cause })?;
        dataset_toml(config_json, &crs, &stage.join("dataset.toml"))?;
        let parcels = parcels(&mut conn, &code, &config, has_codes, &stage).await?;
        let certificate_rows = certificates(&mut conn, &code, &config, &absent, &stage).await?;
        let citizens = if has_register { Some(citizens(&mut conn, &code, &config, &stage).await?) } else { None };
        let groups = groups(&mut conn, &code, &config, &stage).await?;
        end_snapshot(&mut conn).await?;
        Ok::<_, Error>(Exported { commune: code, dir: out.to_path_buf(), parcels, certificate_rows, citizens, groups })
    });
    match result {
        Ok(done) => {
            if out.exists() {
                std::fs::remove_dir(out).map_err(|e| Error::io(out, e))?; // empty: checked by `staging`
            }
            std::fs::rename(&stage, out).map_err(|e| Error::io(out, e))?;
            Ok(done)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage); // our own staging directory, never the user's
            Err(e)
        }
    }
}
