//! Parcel corrections, the store's side of OGC API - Features Part 4 on `/collections/parcels/items`: a
//! parcel created (the next feature number of its commune), replaced or updated (geometry in the commune's
//! own CRS, sheet, number, group, land use, recorded area, its given id), or retired (its row kept on record
//! with `retired`, out of the check, the served data and the export). Several changes go in one transaction
//! (a split: the old parcel's geometry replaced and the new pieces created), each with its own version, and
//! all or none are written. A parcel's [`etag`] is a digest of its row as stored.

use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Row};

use super::super::connection::lock_commune;
use super::super::export::geometry_json;
use super::super::read::stored_geometry;
use super::super::{import, wkb};
use super::{db, etag_of, record};
use crate::dataset::parcels::{RawGeometry, RawPolygon};
use crate::error::{Error, Result};

/// What an edit may change of a parcel, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParcelFields {
    /// The id given in the source (`parcel_id`); None: derived from commune, sheet and number.
    pub parcel_id: Option<String>,
    /// The `commune` property.
    pub commune: Option<String>,
    /// The map sheet.
    pub sheet: Option<i64>,
    /// The parcel's number on its sheet.
    pub parcel_no: Option<i64>,
    /// The residential group property.
    pub group: Option<String>,
    /// The land-use code or codes.
    pub land_use: Option<String>,
    /// The recorded area, m².
    pub area: Option<f64>,
    /// The national parcel code as written (never computed here: the officer decides).
    pub parcel_code: Option<String>,
    /// Polygons in the commune's own CRS (None: the feature has no geometry).
    pub geometry: Option<Vec<RawPolygon>>,
    /// Retired by an officer.
    pub retired: bool,
}

impl ParcelFields {
    /// As JSON (the geometry as GeoJSON in the commune's CRS, coordinates as stored).
    pub fn json(&self) -> Value {
        let geometry = match &self.geometry {
            Some(polys) => geometry_json(&RawGeometry::Polygons(polys.clone())),
            None => Value::Null,
        };
        let mut v = json!({
            "parcel_id": self.parcel_id, "commune": self.commune, "sheet": self.sheet,
            "parcel_no": self.parcel_no, "group": self.group, "land_use": self.land_use, "area": self.area,
            "geometry": geometry, "retired": self.retired,
        });
        // Only when set: the tags of parcels without a code stay what they were before codes were kept.
        if let Some(code) = &self.parcel_code {
            v["parcel_code"] = json!(code);
        }
        v
    }

    /// Read back from [`ParcelFields::json`] (an edit's `after`); None when it is not one.
    pub fn from_json(v: &Value) -> Option<ParcelFields> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let polygons = |c: &Value| -> Option<RawPolygon> {
            c.as_array()?
                .iter()
                .map(|ring| {
                    ring.as_array()?
                        .iter()
                        .map(|p| Some(geo::Coord { x: p.get(0)?.as_f64()?, y: p.get(1)?.as_f64()? }))
                        .collect::<Option<Vec<_>>>()
                })
                .collect()
        };
        let g = v.get("geometry")?;
        let geometry = match g.get("type").and_then(Value::as_str) {
            None => None,
            Some("Polygon") => Some(vec![polygons(g.get("coordinates")?)?]),
            Some("MultiPolygon") => {
                Some(g.get("coordinates")?.as_array()?.iter().map(polygons).collect::<Option<Vec<_>>>()?)
            }
            Some(_) => return None,
        };
        Some(ParcelFields {
            parcel_id: text("parcel_id"),
            commune: text("commune"),
            sheet: v.get("sheet").and_then(Value::as_i64),
            parcel_no: v.get("parcel_no").and_then(Value::as_i64),
            group: text("group"),
            land_use: text("land_use"),
            area: v.get("area").and_then(Value::as_f64),
            parcel_code: text("parcel_code"),
            geometry,
            retired: v.get("retired").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// The id the checker gives a parcel with these fields, unless another carries it already (then a suffix
    /// `_2`... is added at the check): its given id, else `{commune}-{sheet}-{parcel_no}`.
    pub fn id(&self, default_commune: Option<&str>) -> String {
        if let Some(id) = &self.parcel_id {
            return id.clone();
        }
        match (self.commune.as_deref().or(default_commune), self.sheet, self.parcel_no) {
            (Some(c), Some(s), Some(n)) => format!("{c}-{s}-{n}"),
            (None, Some(s), Some(n)) => format!("{s}-{n}"),
            _ => String::new(),
        }
    }
}

/// A parcel's entity tag: a digest of [`ParcelFields::json`] (strong, quoted).
pub fn etag(f: &ParcelFields) -> String {
    etag_of(&f.json())
}

/// A stored parcel as an edit sees it.
#[derive(Debug, Clone)]
pub struct StoredParcel {
    /// Its feature number (the row's key in its commune).
    pub feature: i32,
    /// What an edit may change.
    pub fields: ParcelFields,
    /// [`etag`] of the fields.
    pub etag: String,
}

/// Parcel `feature` of commune `code` as stored (retired ones too), or None.
pub async fn parcel(pool: &PgPool, code: &str, feature: i32) -> Result<Option<StoredParcel>> {
    let mut conn = pool.acquire().await.map_err(db("connecting"))?;
    read(&mut conn, code, feature, false).await
}

async fn read(conn: &mut PgConnection, code: &str, feature: i32, for_update: bool) -> Result<Option<StoredParcel>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT source_id, commune, sheet, parcel_no, grp, land_use, area, geom_kind, ST_AsBinary(geom), geom_raw, \
         retired, parcel_code FROM thuadat.parcel WHERE commune_code = $1 AND feature = $2{lock}"
    ))
    .bind(code)
    .bind(feature)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db("reading the parcel"))?;
    let Some(r) = row else { return Ok(None) };
    let kind: &str = r.get(7);
    let geometry = match kind {
        "polygons" => match stored_geometry(r.get(8), r.get(9), false) {
            Ok(RawGeometry::Polygons(p)) => Some(p),
            Ok(_) => None,
            Err(m) => return Err(Error::Stored(format!("commune {code}, parcel feature {feature}: {m}"))),
        },
        _ => None,
    };
    let fields = ParcelFields {
        parcel_id: r.get(0),
        commune: r.get(1),
        sheet: r.get(2),
        parcel_no: r.get(3),
        group: r.get(4),
        land_use: r.get(5),
        area: r.get(6),
        parcel_code: r.get(11),
        geometry,
        retired: r.get(10),
    };
    Ok(Some(StoredParcel { feature, etag: etag(&fields), fields }))
}

/// A change of one field: absent (keep), or set (`None`: cleared).
pub type Set<T> = Option<Option<T>>;

/// What an edit asks of a parcel: the fields given replace the stored ones (a replacement gives them all).
#[derive(Debug, Clone, Default)]
pub struct ParcelPatch {
    /// The given id.
    pub parcel_id: Set<String>,
    /// The `commune` property.
    pub commune: Set<String>,
    /// The sheet.
    pub sheet: Set<i64>,
    /// The number.
    pub parcel_no: Set<i64>,
    /// The group property.
    pub group: Set<String>,
    /// The land use.
    pub land_use: Set<String>,
    /// The recorded area.
    pub area: Set<f64>,
    /// The national parcel code.
    pub parcel_code: Set<String>,
    /// New polygons in the commune's own CRS.
    pub geometry: Option<Vec<RawPolygon>>,
    /// Retire the parcel.
    pub retire: bool,
}

impl ParcelPatch {
    fn apply(&self, to: &ParcelFields) -> ParcelFields {
        fn pick<T: Clone>(set: &Set<T>, old: &Option<T>) -> Option<T> {
            set.clone().unwrap_or_else(|| old.clone())
        }
        ParcelFields {
            parcel_id: pick(&self.parcel_id, &to.parcel_id),
            commune: pick(&self.commune, &to.commune),
            sheet: pick(&self.sheet, &to.sheet),
            parcel_no: pick(&self.parcel_no, &to.parcel_no),
            group: pick(&self.group, &to.group),
            land_use: pick(&self.land_use, &to.land_use),
            area: pick(&self.area, &to.area),
            parcel_code: pick(&self.parcel_code, &to.parcel_code),
            geometry: self.geometry.clone().or_else(|| to.geometry.clone()),
            retired: to.retired || self.retire,
        }
    }
}

/// One change of a batch.
#[derive(Debug, Clone)]
pub enum ParcelOp {
    /// A new parcel with these fields.
    Create(ParcelFields),
    /// Parcel `feature`, if its tag is still `if_match`: patched (or retired).
    Change {
        /// The parcel's feature number.
        feature: i32,
        /// The tag the client read.
        if_match: String,
        /// What to change.
        patch: ParcelPatch,
    },
}

/// One change written.
#[derive(Debug, Clone)]
pub struct ParcelDone {
    /// The parcel's feature number (new for a created one).
    pub feature: i32,
    /// The commune's version after this change.
    pub version: i64,
    /// Before (None: created).
    pub before: Option<ParcelFields>,
    /// After.
    pub after: ParcelFields,
    /// The new tag.
    pub etag: String,
}

/// What a batch did: all written, or nothing because of the change at this position.
#[derive(Debug, Clone)]
pub enum Applied {
    /// Every change, in order.
    Done(Vec<ParcelDone>),
    /// No such parcel (or it is retired).
    NotFound(usize),
    /// The tag given is not the parcel's any more: its current tag.
    Stale(usize, String),
}

/// Applies `ops` to commune `code` in one transaction (see the module's doc); `comment` goes with each edit.
/// `default_commune` is `dataset.toml`'s `commune`, for the ids of parcels without one.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    pool: &PgPool,
    code: &str,
    default_commune: Option<&str>,
    ops: &[ParcelOp],
    comment: Option<&str>,
    by: &str,
    address: Option<&str>,
) -> Result<Applied> {
    let mut tx = pool.begin().await.map_err(db("starting the edit"))?;
    lock_commune(&mut tx, code).await?;
    let srid: i32 = sqlx::query_scalar("SELECT srid FROM thuadat.commune WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the commune"))?;
    let mut done = Vec::with_capacity(ops.len());
    for (k, op) in ops.iter().enumerate() {
        let (feature, before, after) = match op {
            ParcelOp::Create(fields) => {
                let feature: i32 = sqlx::query_scalar(
                    "SELECT coalesce(max(feature), -1) + 1 FROM thuadat.parcel WHERE commune_code = $1",
                )
                .bind(code)
                .fetch_one(&mut *tx)
                .await
                .map_err(db("numbering the new parcel"))?;
                sqlx::query("INSERT INTO thuadat.parcel (commune_code, feature, geom_kind) VALUES ($1, $2, 'missing')")
                    .bind(code)
                    .bind(feature)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("adding the parcel"))?;
                (feature, None, fields.clone())
            }
            ParcelOp::Change { feature, if_match, patch } => {
                let current = match read(&mut tx, code, *feature, true).await? {
                    Some(p) if !p.fields.retired => p,
                    _ => return Ok(Applied::NotFound(k)),
                };
                if current.etag != *if_match {
                    return Ok(Applied::Stale(k, current.etag));
                }
                let after = patch.apply(&current.fields);
                (*feature, Some(current.fields), after)
            }
        };
        write(&mut tx, code, feature, &after, default_commune, srid).await?;
        let id = after.id(default_commune);
        let before_json = before.as_ref().map_or(Value::Null, ParcelFields::json);
        let mut after_json = after.json();
        after_json["feature"] = json!(feature);
        let version = record(&mut tx, code, by, "parcel", &id, &before_json, &after_json, comment).await?;
        let action = match (&before, after.retired) {
            (None, _) => "parcel created",
            (Some(_), true) => "parcel retired",
            (Some(_), false) => "parcel edited",
        };
        let detail = json!({"parcel": id, "feature": feature, "version": version});
        super::super::users::audit_in(&mut tx, by, address, Some(code), action, detail).await?;
        done.push(ParcelDone { feature, version, etag: etag(&after), before, after });
    }
    tx.commit().await.map_err(db("committing the edit"))?;
    Ok(Applied::Done(done))
}

async fn write(
    conn: &mut PgConnection,
    code: &str,
    feature: i32,
    f: &ParcelFields,
    default_commune: Option<&str>,
    srid: i32,
) -> Result<()> {
    let (kind, ewkb, raw) = match &f.geometry {
        None => ("missing", None, None),
        Some(polys) if wkb::holdable(polys) => {
            let mut bin = Vec::new();
            wkb::push_ewkb(&mut bin, polys, srid);
            ("polygons", Some(bin), None)
        }
        Some(polys) => ("polygons", None, Some(import::raw_json(polys))),
    };
    let id = Some(f.id(default_commune)).filter(|i| !i.is_empty());
    sqlx::query(
        "UPDATE thuadat.parcel SET parcel_id = $3, source_id = $4, commune = $5, sheet = $6, parcel_no = $7, grp = $8, \
         land_use = $9, area = $10, geom_kind = $11, geom = ST_GeomFromEWKB($12), geom_raw = $13, retired = $14, \
         parcel_code = $15, drawn_defect = NULL \
         WHERE commune_code = $1 AND feature = $2",
    )
    .bind(code)
    .bind(feature)
    .bind(id)
    .bind(&f.parcel_id)
    .bind(&f.commune)
    .bind(f.sheet)
    .bind(f.parcel_no)
    .bind(&f.group)
    .bind(&f.land_use)
    .bind(f.area)
    .bind(kind)
    .bind(ewkb)
    .bind(raw)
    .bind(f.retired)
    .bind(&f.parcel_code)
    .execute(&mut *conn)
    .await
    .map_err(db("changing the parcel"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_from_their_json() {
        let ring = vec![
            geo::Coord { x: 0.0, y: 0.0 },
            geo::Coord { x: 10.5, y: 0.0 },
            geo::Coord { x: 10.5, y: 7.25 },
            geo::Coord { x: 0.0, y: 0.0 },
        ];
        let one = ParcelFields {
            commune: Some("00118".into()),
            sheet: Some(3),
            parcel_no: Some(45),
            land_use: Some("ONT".into()),
            area: Some(120.5),
            geometry: Some(vec![vec![ring.clone()]]),
            ..ParcelFields::default()
        };
        let two = ParcelFields { geometry: Some(vec![vec![ring.clone()], vec![ring]]), retired: true, ..one.clone() };
        let none = ParcelFields { geometry: None, ..one.clone() };
        for f in [one, two, none] {
            assert_eq!(ParcelFields::from_json(&f.json()), Some(f));
        }
        assert_eq!(ParcelFields::from_json(&json!({"geometry": {"type": "Point"}})), None);
    }
}
