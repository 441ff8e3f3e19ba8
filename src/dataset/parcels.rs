//! Reading parcels (and residential-group polygons) from any vector format GDAL reads.
//!
//! Reading is in two steps: [`read_features`] (the [`super::features::GdalLayer`] source) pulls raw rings and attributes through GDAL (one thread: GDAL
//! datasets are not shareable), then [`super::Dataset`] projects, validates and measures them in parallel.

use std::path::{Path, PathBuf};

use gdal::vector::{FieldValue, LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset as GdalDataset, DatasetOptions, GdalOpenFlags};

use super::features::{LayerInfo, Sink};
use crate::crs::Crs;
use crate::error::{Error, Location, Result};

/// A ring as read, before closing: the reader must see unclosed rings to report them.
pub type RawRing = Vec<geo::Coord<f64>>;
/// A polygon as read: its exterior ring first, then its holes.
pub type RawPolygon = Vec<RawRing>;

/// What a feature's geometry was.
#[derive(Debug, Clone, PartialEq)]
pub enum RawGeometry {
    /// No geometry at all (null in GeoJSON, empty in a Shapefile).
    Missing,
    /// One or more polygons.
    Polygons(Vec<RawPolygon>),
    /// A point, a line or another non-areal geometry (text and cells in DGN): not a parcel.
    NotAreal(String),
}

/// An attribute as read, typed loosely; the dataset model decides what it must be.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// No value: null, or a column the feature does not have.
    Null,
    /// An integer field.
    Int(i64),
    /// A floating-point field.
    Real(f64),
    /// A text field, as written (trimmed later).
    Text(String),
}

/// One feature: its geometry and the values of the requested columns (in request order).
#[derive(Debug, Clone, PartialEq)]
pub struct RawFeature {
    pub(crate) geometry: RawGeometry,
    pub(crate) values: Vec<RawValue>,
    /// Its own feature number where the source keeps one that reading does not count (the store: a retired
    /// parcel leaves a gap); None: its position in the layer.
    pub(crate) position: Option<u32>,
    /// What the drawing it was built from says is wrong with it (a map sheet of lines whose face holds two
    /// parcel numbers): the parcel's geometry is then not valid, for this reason.
    pub(crate) defect: Option<String>,
}

/// The longest field name a Shapefile's DBF holds.
const DBF_NAME_LEN: usize = 10;

/// Sidecar files that sit beside a vector file and are not themselves data.
const SIDECARS: &[&str] =
    &["shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx", "id", "map", "dat", "ind", "xml", "aux", "lock"];
/// Preferred main files when several `<stem>.*` exist.
const PREFERRED: &[&str] =
    &["gpkg", "fgb", "geojson", "json", "geojson.gz", "json.gz", "shp", "tab", "dgn", "gml", "kml", "sqlite"];

/// Finds `<dir>/<stem>.<ext>`: the one vector file named `stem`, ignoring sidecars.
pub fn find_vector_file(dir: &Path, stem: &str) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::bad_input(Location::file(dir), "dataset directory not found"),
        _ => Error::unreadable(dir, &e),
    })?;
    let prefix = format!("{stem}.");
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::unreadable(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(ext) = name.strip_prefix(&prefix) {
            let ext = ext.to_ascii_lowercase();
            if !SIDECARS.contains(&ext.as_str()) && !ext.ends_with(".xml") && !ext.is_empty() {
                found.push((ext, entry.path()));
            }
        }
    }
    found.sort();
    let chosen = match PREFERRED.iter().find_map(|pref| found.iter().find(|(ext, _)| ext == pref)) {
        Some(p) => Some(p.1.clone()),
        None => found.into_iter().next().map(|(_, p)| p),
    };
    // A directory or a dangling or looping link by that name is the user's mistake, said as such.
    match chosen {
        Some(path) => match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => Err(Error::bad_input(Location::file(&path), "is a directory, not a file")),
            Ok(_) => Ok(Some(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::bad_input(Location::file(&path), "is a symbolic link to nothing (its target is missing)"))
            }
            Err(e) => Err(Error::unreadable(&path, &e)),
        },
        None => Ok(None),
    }
}

/// The first bytes of an OLE compound file: what a MicroStation V8 DGN is (a V7 DGN starts with its element
/// header, `08 09` or `C8 09`).
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// True when `path` is a `.dgn` file in the V8 format.
fn dgn_v8(path: &Path) -> bool {
    use std::io::Read;
    let dgn = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("dgn"));
    let mut head = [0u8; 8];
    dgn && std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == OLE_SIGNATURE
}

/// A MicroStation V8 DGN is refused, saying what to do instead.
pub(crate) fn refuse_dgn_v8(path: &Path) -> Result<()> {
    if dgn_v8(path) {
        return Err(Error::bad_input(
            Location::file(path),
            "a MicroStation V8 DGN (an OLE compound file), which GDAL reads only with a proprietary library: \
             save the sheets as V7 DGN (MicroStation: File > Save As, type V7) or export them (Shapefile, \
             GeoPackage) and give those",
        ));
    }
    Ok(())
}

/// The path GDAL should open: gzip-compressed files go through `/vsigzip/`.
fn gdal_path(path: &Path) -> String {
    let s = path.to_string_lossy().into_owned();
    if s.to_ascii_lowercase().ends_with(".gz") {
        format!("/vsigzip/{s}")
    } else {
        s
    }
}

/// Reads every feature of the first layer of `path` through GDAL, calling `sink` for each in order, with
/// the values of `columns` (`None` for columns not to read). A required column that the file lacks is an
/// error naming the file, the column and where its name came from.
pub fn read_features(path: &Path, columns: &[Option<ColumnRequest>], sink: &mut Sink<'_>) -> Result<LayerInfo> {
    refuse_dgn_v8(path)?;
    crate::input::gdal::quiet_gdal();
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        ..Default::default()
    };
    let ds = GdalDataset::open_ex(gdal_path(path), options).map_err(|e| {
        Error::bad_input(Location::file(path), format!("GDAL cannot read it as vector data: {}", clean_gdal(&e)))
    })?;
    let driver = ds.driver().short_name();
    if ds.layer_count() == 0 {
        return Err(Error::bad_input(Location::file(path), "the file has no layer"));
    }
    let mut layer = ds.layer(0).map_err(|e| Error::bad_input(Location::file(path), clean_gdal(&e)))?;
    let crs = match layer.spatial_ref() {
        Some(srs) => Some(
            Crs::from_spatial_ref(&declared_name(&srs, path), &srs)
                .map_err(|e| Error::bad_input(Location::file(path).field("crs"), e))?,
        ),
        None => None,
    };
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let mut indices = Vec::with_capacity(columns.len());
    for request in columns {
        indices.push(match request {
            None => None,
            Some(req) => {
                let exact = names.iter().position(|n| n == &req.source);
                let idx = exact.or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(&req.source)));
                // A Shapefile's field names are ten characters at most: `parcel_code` is written `parcel_cod`.
                let idx = idx.or_else(|| {
                    let cut = req.source.get(..DBF_NAME_LEN).filter(|_| driver == "ESRI Shapefile")?;
                    names.iter().position(|n| n.eq_ignore_ascii_case(cut))
                });
                match (idx, req.required) {
                    (Some(i), _) => Some(i),
                    (None, false) => None,
                    (None, true) => return Err(missing_column(path, req, &names)),
                }
            }
        });
    }
    let mut points = Vec::new();
    let mut count = 0;
    for feature in layer.features() {
        let mut values = Vec::with_capacity(indices.len());
        for idx in &indices {
            values.push(match idx {
                None => RawValue::Null,
                Some(i) => match feature.field(*i) {
                    Ok(Some(v)) => raw_value(v),
                    _ => RawValue::Null,
                },
            });
        }
        let geometry = match feature.geometry() {
            None => RawGeometry::Missing,
            Some(g) => raw_geometry(g, &mut points),
        };
        count += 1;
        sink(RawFeature { geometry, values, position: None, defect: None }, crs.as_ref())?;
    }
    let present = indices.iter().map(Option::is_some).collect();
    Ok(LayerInfo { driver, crs, features: count, crs_after_features: false, present })
}

/// The error for a column that must exist and does not.
pub fn missing_column(path: &Path, req: &ColumnRequest, names: &[String]) -> Error {
    Error::bad_input(
        Location::file(path).field(&req.source),
        format!(
            "column `{}` (for `{}`, {}) not found; the file has: {}",
            req.source,
            req.canonical,
            req.origin,
            names.join(", ")
        ),
    )
}

/// A column to read: its canonical name, the source name, whether it must exist, and where the name came from.
#[derive(Debug, Clone)]
pub struct ColumnRequest {
    pub(crate) canonical: String,
    pub(crate) source: String,
    pub(crate) required: bool,
    pub(crate) origin: String,
}

/// "EPSG:4326 (declared by parcels.gpkg)", or the CRS's name when it has no code.
fn declared_name(srs: &gdal::spatial_ref::SpatialRef, path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match (srs.auth_name(), srs.auth_code()) {
        (Some(auth), Ok(code)) => format!("{auth}:{code}"),
        _ => srs.name().unwrap_or_else(|| "unnamed CRS".into()),
    };
    format!("{name} (declared by {file})")
}

fn raw_value(v: FieldValue) -> RawValue {
    match v {
        FieldValue::IntegerValue(i) => RawValue::Int(i64::from(i)),
        FieldValue::Integer64Value(i) => RawValue::Int(i),
        FieldValue::RealValue(r) => RawValue::Real(r),
        FieldValue::StringValue(s) => RawValue::Text(s),
        FieldValue::DateValue(d) => RawValue::Text(d.to_string()),
        FieldValue::DateTimeValue(d) => RawValue::Text(d.to_string()),
        other => RawValue::Text(format!("{other:?}")),
    }
}

fn raw_geometry(g: &gdal::vector::Geometry, points: &mut Vec<(f64, f64, f64)>) -> RawGeometry {
    use OGRwkbGeometryType::*;
    if g.is_empty() {
        return RawGeometry::Missing;
    }
    let flat = gdal::vector::geometry_type_flatten(g.geometry_type());
    let ring = |r: &gdal::vector::Geometry, points: &mut Vec<(f64, f64, f64)>| -> RawRing {
        points.clear();
        r.get_points(points);
        points.iter().map(|p| geo::Coord { x: p.0, y: p.1 }).collect()
    };
    let polygon = |p: &gdal::vector::Geometry, points: &mut Vec<(f64, f64, f64)>| -> RawPolygon {
        (0..p.geometry_count()).map(|i| ring(&p.get_geometry(i), points)).collect()
    };
    match flat {
        x if x == wkbPolygon => RawGeometry::Polygons(vec![polygon(g, points)]),
        x if x == wkbMultiPolygon => {
            RawGeometry::Polygons((0..g.geometry_count()).map(|i| polygon(&g.get_geometry(i), points)).collect())
        }
        x if x == wkbLineString || x == wkbLinearRing => {
            // A closed line (a DGN shape drawn as a line string) bounds an area.
            let r = ring(g, points);
            if r.len() >= 4 && r.first() == r.last() {
                RawGeometry::Polygons(vec![vec![r]])
            } else {
                RawGeometry::NotAreal(g.geometry_name())
            }
        }
        _ => RawGeometry::NotAreal(g.geometry_name()),
    }
}

/// GDAL's error text without its error-class boilerplate.
pub fn clean_gdal(e: &gdal::errors::GdalError) -> String {
    match e {
        gdal::errors::GdalError::CplError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

/// Text of a loosely typed value.
pub(crate) fn value_text(v: &RawValue) -> Option<String> {
    match v {
        RawValue::Null => None,
        RawValue::Int(i) => Some(i.to_string()),
        RawValue::Real(r) if r.fract() == 0.0 && r.abs() < 1e15 => Some(format!("{}", *r as i64)),
        RawValue::Real(r) => Some(r.to_string()),
        RawValue::Text(t) => {
            let t = t.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
    }
}

pub(crate) fn value_integer(v: &RawValue) -> std::result::Result<Option<i64>, String> {
    match v {
        RawValue::Null => Ok(None),
        RawValue::Int(i) => Ok(Some(*i)),
        RawValue::Real(r) if r.fract() == 0.0 && r.abs() < 1e15 => Ok(Some(*r as i64)),
        RawValue::Real(r) => Err(format!("`{r}` is not a whole number")),
        RawValue::Text(t) => crate::input::csv_table::parse_integer(t),
    }
}

pub(crate) fn value_area(v: &RawValue) -> std::result::Result<Option<f64>, String> {
    match v {
        RawValue::Null => Ok(None),
        RawValue::Int(i) => Ok(Some(*i as f64)),
        RawValue::Real(r) if r.is_finite() && *r >= 0.0 => Ok(Some(*r)),
        RawValue::Real(r) => Err(format!("`{r}` is not an area in m2")),
        RawValue::Text(t) => crate::input::csv_table::parse_area(t),
    }
}
