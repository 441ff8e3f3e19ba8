//! The dataset directory of the contract (`../shared/spec/DATASET.md`): reading it whole into memory.
//!
//! Parcels come through GDAL ([`parcels`]), certificates from CSV ([`certificates`]). Geometry is projected
//! once into the planar metric [`Frame`], oriented (shells counter-clockwise, holes clockwise), validated and
//! measured in parallel.

pub mod certificates;
pub mod csv_table;
pub mod parcel_no;
pub mod parcels;

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Instant;

use geo::{Area, BoundingRect, Coord, InteriorPoint, LineString, MultiPolygon, Orient, Polygon, Rect, Validation};
use rayon::prelude::*;
use serde::Serialize;

pub use certificates::{Certificate, Certificates, HolderRow};
use parcels::{ColumnRequest, RawFeature, RawGeometry, RawLayer, RawValue};

use crate::config::DatasetConfig;
use crate::crs::{AreaScaleGrid, Crs, Frame};
use crate::error::{Error, Location, Result};

/// A mapped parcel.
#[derive(Debug, Clone)]
pub struct Parcel {
    pub id: String,
    /// Position of the feature in the parcels file (0-based, areal features and missing geometries only).
    pub feature: usize,
    pub commune: Option<String>,
    pub sheet: Option<i64>,
    pub parcel_no: Option<i64>,
    pub group: Option<String>,
    pub land_use: Option<String>,
    /// Area recorded in the parcels file, m2.
    pub recorded_area: Option<f64>,
    /// Geometry in the planar frame, oriented; None when missing.
    pub geometry: Option<MultiPolygon<f64>>,
    /// Why the geometry is not valid, when it is not.
    pub invalid: Option<String>,
    /// Ground area in m2 of a valid geometry (the *mapped area*).
    pub area_m2: Option<f64>,
    /// Ground area / planar area at the parcel.
    pub area_scale: f64,
}

impl Parcel {
    /// True when the geometry is present and valid: the parcel takes part in geometric rules.
    pub fn is_valid(&self) -> bool {
        self.geometry.is_some() && self.invalid.is_none()
    }
}

/// A residential group's boundary (from `groups.<ext>`).
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub geometry: MultiPolygon<f64>,
}

/// One input file as read, for the report's summary.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub role: String,
    pub path: PathBuf,
    pub format: String,
    pub records: usize,
}

/// A dataset directory in memory.
#[derive(Debug)]
pub struct Dataset {
    pub dir: PathBuf,
    pub name: String,
    pub config: DatasetConfig,
    pub frame: Frame,
    pub parcels: Vec<Parcel>,
    pub certificates: Certificates,
    pub groups: Vec<Group>,
    pub inputs: Vec<InputFile>,
    /// Features that are not areas (points, open lines, text): not parcels, counted here.
    pub skipped_features: usize,
    /// Seconds spent per loading step.
    pub timings: Vec<(String, f64)>,
}

static GDAL_QUIET: Once = Once::new();

/// Routes GDAL's own messages away from the terminal: errors reach the user through our typed errors.
pub fn quiet_gdal() {
    GDAL_QUIET.call_once(|| {
        gdal::config::set_error_handler(|_, _, _| {});
    });
}

const PARCEL_COLUMNS: [&str; 7] = ["parcel_id", "commune", "sheet", "parcel_no", "group", "land_use", "area"];

impl Dataset {
    /// Reads the dataset directory `dir` whole.
    pub fn load(dir: &Path) -> Result<Dataset> {
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
            timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
            clock = Instant::now();
        };
        if !dir.is_dir() {
            return Err(Error::bad_input(Location::file(dir), "dataset directory not found"));
        }
        let config = DatasetConfig::load(&dir.join("dataset.toml"))?;
        let parcels_path = parcels::find_vector_file(dir, "parcels")?.ok_or_else(|| {
            Error::bad_input(
                Location::file(dir.join("parcels.*")),
                "no parcels file: expected parcels.<ext> (.geojson, .gpkg, .shp, .fgb, .dgn, .tab, ...)",
            )
        })?;
        let requests: Vec<Option<ColumnRequest>> = PARCEL_COLUMNS
            .iter()
            .map(|c| {
                let mapped = config.columns.parcels.contains_key(*c);
                Some(ColumnRequest {
                    canonical: c.to_string(),
                    source: config.columns.parcel(c),
                    required: mapped,
                    origin: if mapped {
                        "mapped in dataset.toml [columns.parcels]".into()
                    } else {
                        "canonical name".into()
                    },
                })
            })
            .collect();
        let layer = parcels::read_features(&parcels_path, &requests)?;
        lap("read_parcels", &mut timings);

        let crs = match &config.crs {
            Some(def) => Crs::parse(def)
                .map_err(|e| Error::bad_input(Location::file(dir.join("dataset.toml")).field("crs"), e))?,
            None => layer.crs.clone().unwrap_or_else(Crs::wgs84),
        };
        check_coordinates_fit(&layer, &crs)?;
        let center_lon = if crs.is_geographic() { center_x(&layer.features) } else { 0.0 };
        let frame = Frame::new(crs, center_lon);

        let mut inputs = vec![InputFile {
            role: "parcels".into(),
            path: parcels_path.clone(),
            format: layer.driver.clone(),
            records: layer.features.len(),
        }];
        let (parcels, skipped) = build_parcels(layer, &frame)?;
        lap("project_validate_measure", &mut timings);

        let groups_path = parcels::find_vector_file(dir, "groups")?;
        let mut groups = Vec::new();
        let mut parcels = parcels;
        if let Some(gp) = groups_path {
            let (g, input) = read_groups(&gp, &config, &frame)?;
            assign_groups(&mut parcels, &g);
            groups = g;
            inputs.push(input);
        }
        lap("groups", &mut timings);

        let cert_path = dir.join("certificates.csv");
        let certificates = Certificates::read(&cert_path, &config.columns)?;
        inputs.push(InputFile {
            role: "certificates".into(),
            path: cert_path,
            format: "CSV".into(),
            records: certificates.holders.len(),
        });
        lap("read_certificates", &mut timings);

        let name = config
            .name
            .clone()
            .unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        Ok(Dataset {
            dir: dir.to_path_buf(),
            name,
            config,
            frame,
            parcels,
            certificates,
            groups,
            inputs,
            skipped_features: skipped,
            timings,
        })
    }
}

/// Geographic data must look geographic: projected metres read as degrees are a wrong CRS, not a map.
fn check_coordinates_fit(layer: &RawLayer, crs: &Crs) -> Result<()> {
    if !crs.is_geographic() {
        return Ok(());
    }
    for (i, f) in layer.features.iter().enumerate() {
        if let RawGeometry::Polygons(polys) = &f.geometry {
            if let Some(&(x, y)) = polys.iter().flatten().flatten().find(|(x, y)| x.abs() > 180.0 || y.abs() > 90.0) {
                return Err(Error::bad_input(
                    Location::feature(&layer.path, i).field("geometry"),
                    format!(
                        "coordinate ({x}, {y}) is not longitude/latitude but the CRS is {}: set `crs` in dataset.toml (e.g. \"VN2000:105.0\")",
                        crs.definition
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn center_x(features: &[RawFeature]) -> f64 {
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for f in features {
        if let RawGeometry::Polygons(polys) = &f.geometry {
            for &(x, _) in polys.iter().flatten().flatten() {
                if x.is_finite() {
                    min = min.min(x);
                    max = max.max(x);
                }
            }
        }
    }
    if min.is_finite() {
        ((min + max) / 2.0 * 1e6).round() / 1e6
    } else {
        0.0
    }
}

/// Text of a loosely typed value.
fn value_text(v: &RawValue) -> Option<String> {
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

fn value_integer(v: &RawValue) -> std::result::Result<Option<i64>, String> {
    match v {
        RawValue::Null => Ok(None),
        RawValue::Int(i) => Ok(Some(*i)),
        RawValue::Real(r) if r.fract() == 0.0 && r.abs() < 1e15 => Ok(Some(*r as i64)),
        RawValue::Real(r) => Err(format!("`{r}` is not a whole number")),
        RawValue::Text(t) => csv_table::parse_integer(t),
    }
}

fn value_area(v: &RawValue) -> std::result::Result<Option<f64>, String> {
    match v {
        RawValue::Null => Ok(None),
        RawValue::Int(i) => Ok(Some(*i as f64)),
        RawValue::Real(r) if r.is_finite() && *r >= 0.0 => Ok(Some(*r)),
        RawValue::Real(r) => Err(format!("`{r}` is not an area in m2")),
        RawValue::Text(t) => csv_table::parse_area(t),
    }
}

/// Turns raw features into parcels: attributes checked, geometry projected, validated and measured.
fn build_parcels(layer: RawLayer, frame: &Frame) -> Result<(Vec<Parcel>, usize)> {
    let path = layer.path.clone();
    let n = layer.features.len();
    let skipped = layer.features.iter().filter(|f| matches!(f.geometry, RawGeometry::NotAreal(_))).count();
    let built: Vec<Result<Option<Parcel>>> =
        layer.features.into_par_iter().enumerate().map(|(i, f)| build_parcel(&path, i, f, frame)).collect();
    let mut parcels = Vec::with_capacity(n);
    for p in built {
        if let Some(p) = p? {
            parcels.push(p);
        }
    }
    // Ground areas: planar area times the local areal scale.
    let envelope = parcels.iter().filter_map(|p| p.geometry.as_ref()?.bounding_rect()).reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    if let Some(env) = envelope {
        let grid = AreaScaleGrid::new(frame, (env.min().x, env.min().y), (env.max().x, env.max().y))
            .map_err(|e| Error::bad_input(Location::file(&path), format!("cannot project the parcels: {e}")))?;
        parcels.par_iter_mut().for_each(|p| {
            if let Some(g) = &p.geometry {
                if let Some(r) = g.bounding_rect() {
                    let c = r.center();
                    p.area_scale = grid.at(c.x, c.y);
                }
                if p.invalid.is_none() {
                    p.area_m2 = Some(g.unsigned_area() * p.area_scale);
                }
            }
        });
    }
    assign_ids(&mut parcels);
    Ok((parcels, skipped))
}

fn build_parcel(path: &Path, i: usize, f: RawFeature, frame: &Frame) -> Result<Option<Parcel>> {
    let at = |field: &str| Location::feature(path, i).field(field);
    let v = &f.values;
    let sheet = value_integer(&v[2]).map_err(|m| Error::bad_input(at("sheet"), m))?;
    let parcel_no = value_integer(&v[3]).map_err(|m| Error::bad_input(at("parcel_no"), m))?;
    let recorded_area = value_area(&v[6]).map_err(|m| Error::bad_input(at("area"), m))?;
    let (geometry, invalid) = match f.geometry {
        RawGeometry::NotAreal(_) => return Ok(None),
        RawGeometry::Missing => (None, Some("missing geometry".to_string())),
        RawGeometry::Polygons(polys) => {
            build_geometry(polys, frame).map_err(|m| Error::bad_input(at("geometry"), m))?
        }
    };
    Ok(Some(Parcel {
        id: value_text(&v[0]).unwrap_or_default(),
        feature: i,
        commune: value_text(&v[1]),
        sheet,
        parcel_no,
        group: value_text(&v[4]),
        land_use: value_text(&v[5]),
        recorded_area,
        geometry,
        invalid,
        area_m2: None,
        area_scale: 1.0,
    }))
}

/// Projects, closes and orients rings; says why the geometry is invalid when it is. A failed projection is
/// an error (the CRS does not fit the data).
fn build_geometry(
    polys: Vec<parcels::RawPolygon>,
    frame: &Frame,
) -> std::result::Result<(Option<MultiPolygon<f64>>, Option<String>), String> {
    let mut invalid: Option<String> = None;
    let mut out = Vec::with_capacity(polys.len());
    for (pi, rings) in polys.into_iter().enumerate() {
        let mut geo_rings = Vec::with_capacity(rings.len());
        for (ri, mut ring) in rings.into_iter().enumerate() {
            let role = if ri == 0 { "exterior ring".to_string() } else { format!("interior ring {ri}") };
            let which = if pi == 0 { role } else { format!("polygon {pi}, {role}") };
            if ring.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
                invalid.get_or_insert(format!("{which} has a non-finite coordinate"));
                ring.retain(|(x, y)| x.is_finite() && y.is_finite());
            }
            let mut distinct = ring.clone();
            distinct.dedup();
            if distinct.len() > 1 && distinct.first() == distinct.last() {
                distinct.pop();
            }
            if distinct.len() < 3 {
                invalid.get_or_insert(format!("{which} has {} distinct points (at least 3 needed)", distinct.len()));
            } else if ring.first() != ring.last() {
                invalid.get_or_insert(format!("{which} is not closed"));
            }
            frame.to_planar(&mut ring)?;
            geo_rings.push(LineString::from(ring));
        }
        if geo_rings.is_empty() {
            continue;
        }
        let exterior = geo_rings.remove(0);
        out.push(Polygon::new(exterior, geo_rings));
    }
    if out.is_empty() {
        return Ok((None, Some("empty geometry".into())));
    }
    let mp = MultiPolygon(out).orient(geo::orient::Direction::Default);
    if invalid.is_none() {
        if let Err(e) = mp.check_validation() {
            invalid = Some(e.to_string());
        }
    }
    Ok((Some(mp), invalid))
}

/// Default ids `{commune}-{sheet}-{parcel_no}`; repeats get `_2`, `_3` in file order.
fn assign_ids(parcels: &mut [Parcel]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for p in parcels.iter_mut() {
        let base = if !p.id.is_empty() {
            p.id.clone()
        } else {
            match (&p.commune, p.sheet, p.parcel_no) {
                (Some(c), Some(s), Some(n)) => format!("{c}-{s}-{n}"),
                (None, Some(s), Some(n)) => format!("{s}-{n}"),
                _ => format!("feature-{}", p.feature),
            }
        };
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        p.id = if *count == 1 { base } else { format!("{base}_{count}") };
    }
}

fn read_groups(path: &Path, config: &DatasetConfig, frame: &Frame) -> Result<(Vec<Group>, InputFile)> {
    let request = ColumnRequest {
        canonical: "group".into(),
        source: config.columns.group("group"),
        required: true,
        origin: if config.columns.groups.contains_key("group") {
            "mapped in dataset.toml [columns.groups]".into()
        } else {
            "canonical name".into()
        },
    };
    let layer = parcels::read_features(path, &[Some(request)])?;
    let input = InputFile {
        role: "groups".into(),
        path: path.to_path_buf(),
        format: layer.driver.clone(),
        records: layer.features.len(),
    };
    let mut groups = Vec::new();
    for (i, f) in layer.features.into_iter().enumerate() {
        let at = |field: &str| Location::feature(path, i).field(field);
        let name = value_text(&f.values[0]).ok_or_else(|| Error::bad_input(at("group"), "empty group name"))?;
        let RawGeometry::Polygons(polys) = f.geometry else {
            return Err(Error::bad_input(at("geometry"), "a residential group needs a polygon"));
        };
        let (geometry, invalid) = build_geometry(polys, frame).map_err(|m| Error::bad_input(at("geometry"), m))?;
        let geometry = geometry.ok_or_else(|| Error::bad_input(at("geometry"), "empty geometry"))?;
        if let Some(why) = invalid {
            return Err(Error::bad_input(at("geometry"), format!("invalid group boundary: {why}")));
        }
        groups.push(Group { name, geometry });
    }
    Ok((groups, input))
}

/// When group boundaries exist they decide: the group whose polygon holds the parcel's interior point.
fn assign_groups(parcels: &mut [Parcel], groups: &[Group]) {
    use geo::Contains;
    use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree};
    let tree = RTree::bulk_load(
        groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.geometry.bounding_rect()?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
            })
            .collect(),
    );
    parcels.par_iter_mut().for_each(|p| {
        let Some(pt) = p.geometry.as_ref().and_then(|g| g.interior_point()) else { return };
        let found = tree
            .locate_all_at_point(&[pt.x(), pt.y()])
            .map(|c| c.data)
            .filter(|&i| groups[i].geometry.contains(&pt))
            .min();
        if let Some(i) = found {
            p.group = Some(groups[i].name.clone());
        }
    });
}
