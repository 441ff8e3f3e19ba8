//! The dataset directory of the contract (the workplace's `spec/DATASET.md`, v2): reading it whole into memory.
//!
//! Parcels come through GDAL ([`parcels`]), certificates from CSV ([`certificates`]). Geometry is projected
//! once into the planar metric [`Frame`], oriented (shells counter-clockwise, holes clockwise), validated and
//! measured in parallel.

pub mod certificates;
mod convert;
pub mod features;
pub mod geojson;
mod geometry;
mod groups;
pub(crate) mod ids;
pub mod parcel_no;
pub mod parcels;
pub mod sheets;
pub(crate) mod validity;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use geo::{BoundingRect, MultiPolygon, Rect};
use serde::Serialize;

pub use crate::input::text::Text;
pub use certificates::{Certificate, Certificates, HolderRow};
use compact_str::CompactString;
use features::{FeatureSource, LayerInfo};
pub(crate) use parcels::{value_area, value_integer, value_text};
use parcels::{ColumnRequest, RawFeature, RawGeometry, RawValue};

use crate::config::{DatasetConfig, PARCEL_FIELDS};
use crate::crs::{Crs, Frame};
use crate::error::{Error, Location, Result};
use convert::{convert, Chunk, Feeder};
use geometry::{build_geometry, measure, measure_one, Invalid};
pub use groups::GroupLocator;
use groups::{assign_groups, build_groups, read_raw_groups, RawGroups};
use ids::assign_ids;
pub(crate) use ids::{derived_id, natural_id};

/// Text shared by many parcels (commune codes, group names, land-use codes): stored once.
pub type Shared = Arc<str>;

/// A mapped parcel.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// Short ids (up to 24 bytes, e.g. `00118-12-345`) are stored inline, without an allocation.
    pub id: CompactString,
    /// Position of the feature in the parcels file (0-based, counting every feature).
    pub feature: u32,
    /// The `commune` column; `dataset.toml`'s `commune` when the feature has none; None when neither.
    pub commune: Option<Shared>,
    /// The `sheet` column: the map sheet number; None when empty.
    pub sheet: Option<i64>,
    /// The `parcel_no` column: the parcel's number on its sheet; None when empty.
    pub parcel_no: Option<i64>,
    /// The residential group: the group whose boundary holds the parcel when `groups.<ext>` has one, else the
    /// `group` column; None when neither.
    pub group: Option<Shared>,
    /// The `land_use` column: the land-use code or codes (`ONT`, `DGT+DTL`); None when empty.
    pub land_use: Option<Shared>,
    /// Area recorded in the parcels file, m2.
    pub recorded_area: Option<f64>,
    /// The `parcel_code` column: the national parcel identification code as written (trimmed); None when empty.
    /// Twelve characters are stored inline.
    pub code: Option<CompactString>,
    /// Geometry in the planar frame, oriented; None when missing.
    pub geometry: Option<MultiPolygon<f64>>,
    /// Planar bounding box of the geometry.
    pub bbox: Option<Rect<f64>>,
    /// Why the geometry is not valid, when it is not.
    pub invalid: Option<Box<str>>,
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

    /// Drops a geometry that cannot be used at all, saying why.
    fn drop_geometry(&mut self, why: &Invalid) {
        self.geometry = None;
        self.bbox = None;
        self.area_m2 = None;
        self.invalid = Some(why.to_string().into_boxed_str());
    }
}

/// A residential group's boundary (from `groups.<ext>`).
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) name: Shared,
    pub(crate) geometry: MultiPolygon<f64>,
}

/// One input file as read, for the report's summary.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub(crate) role: String,
    pub(crate) path: PathBuf,
    /// The format as read (`GPKG`, `GeoJSON (native reader)`, `CSV`, `PostgreSQL`).
    pub format: String,
    pub(crate) records: usize,
}

/// A dataset directory in memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) dir: PathBuf,
    /// `dataset.toml`'s `name`, else the directory's name (the stored commune's name for the store).
    pub name: String,
    /// `dataset.toml` as read (defaults when absent).
    pub config: DatasetConfig,
    /// The source CRS and the planar frame the geometry is in.
    pub frame: Frame,
    /// The parcels in file order (features that are not areas left out).
    pub parcels: Vec<Parcel>,
    /// The parcels file has a `parcel_code` column (the national code check runs; empty codes are defects).
    pub has_parcel_codes: bool,
    /// Everything read from `certificates.csv`.
    pub certificates: Certificates,
    /// The population register (`citizens.csv`), when the dataset has one.
    pub register: Option<crate::linkage::register::Register>,
    /// Holder linkage read with the data instead of linking again: the PostGIS store keeps the linkage of
    /// its last import or check, and a server of the store starts from it (without the register).
    pub linkage: Option<crate::linkage::holders::Linkage>,
    /// The residential groups' boundaries from `groups.<ext>` (empty without it).
    pub groups: Vec<Group>,
    /// The files read, for the report's summary.
    pub inputs: Vec<InputFile>,
    /// Features that are not areas (points, open lines, text): not parcels, counted here.
    pub skipped_features: usize,
    /// What each map sheet gave, when the parcels are a `parcels/` folder of sheets.
    pub sheets: Option<sheets::SheetsReport>,
    /// What the user should know about the input that is not an error: optional columns missing and the
    /// rules that go without them, mappings not read (see [`input_warnings`]).
    pub warnings: Vec<String>,
    /// Seconds spent per loading step.
    pub timings: Vec<(String, f64)>,
}

/// The position of `parcel_code` in [`PARCEL_FIELDS`] (the order of [`RawFeature::values`]).
pub(crate) const CODE_COLUMN: usize = 7;

/// How the parcels file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reader {
    /// The native reader for GeoJSON, GDAL for everything else.
    #[default]
    Auto,
    /// GDAL for every format (for comparisons).
    Gdal,
}

impl Dataset {
    /// Reads the dataset directory `dir` whole.
    pub fn load(dir: &Path) -> Result<Dataset> {
        Dataset::load_with(dir, Reader::Auto)
    }

    /// Reads the dataset directory `dir` whole, with the chosen parcels reader.
    pub fn load_with(dir: &Path, reader: Reader) -> Result<Dataset> {
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
        let parcels_path = parcels_file(dir)?;
        let config_crs = configured_crs(dir, &config)?;
        // Certificates do not depend on the map: read them on their own thread meanwhile; the group boundaries
        // too, up to their projection.
        let cert_path = dir.join("certificates.csv");
        let citizens_path = dir.join("citizens.csv");
        let (parcels_read, certificates_read, groups_read) = std::thread::scope(|scope| {
            let certificates = scope.spawn(|| {
                let t = Instant::now();
                let certificates = Certificates::read(&cert_path, &config.columns)?;
                let register = if citizens_path.exists() {
                    Some(crate::linkage::register::Register::read(&citizens_path, &config.columns)?)
                } else {
                    None
                };
                Ok((certificates, register, t.elapsed().as_secs_f64()))
            });
            let groups = scope.spawn(|| read_raw_groups(dir, &config, reader));
            let parcels = read_parcels(&parcels_path, &config, config_crs, reader);
            let certificates = certificates.join().unwrap_or_else(|_| Err(Error::panicked("reading certificates")));
            let groups = groups.join().unwrap_or_else(|_| Err(Error::panicked("reading groups")));
            (parcels, certificates, groups)
        });
        // The map's errors first, as a sequential reading would report them.
        let ParcelsRead { parcels, frame, input, skipped, has_codes: has_parcel_codes, sheets } = parcels_read?;
        let (certificates, register, certificates_seconds) = certificates_read?;
        let mut inputs = vec![input];
        // "read_parcels" is the wall time of both readers; "read_certificates" the certificate thread alone.
        lap("read_parcels", &mut timings);
        timings.push(("read_certificates".into(), certificates_seconds));
        timings.push(("peak_rss_mb_after_parcels".into(), crate::metrics::peak_rss_mb()));

        let mut groups = Vec::new();
        let mut parcels = parcels;
        if let Some(raw) = groups_read? {
            let (g, input) = build_groups(raw, &frame)?;
            assign_groups(&mut parcels, &g);
            groups = g;
            inputs.push(input);
        }
        lap("groups", &mut timings);

        inputs.push(InputFile {
            role: "certificates".into(),
            path: cert_path,
            format: "CSV".into(),
            records: certificates.holders.len(),
        });
        if let Some(r) = &register {
            inputs.push(InputFile {
                role: "citizens".into(),
                path: citizens_path,
                format: "CSV".into(),
                records: r.len(),
            });
        }

        let name = config
            .name
            .clone()
            .unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let warnings = input_warnings(&config, &certificates, register.is_some());
        Ok(Dataset {
            dir: dir.to_path_buf(),
            name,
            config,
            frame,
            parcels,
            has_parcel_codes,
            certificates,
            register,
            linkage: None,
            groups,
            inputs,
            skipped_features: skipped,
            sheets,
            warnings,
            timings,
        })
    }
}

/// A dataset already read elsewhere (the PostGIS store, `src/store`): what [`Dataset::from_raw`] builds on.
pub struct RawHead {
    /// Stands for the source in errors and in the report (e.g. `postgresql:thuadat/00118`).
    pub dir: PathBuf,
    pub(crate) name: String,
    pub(crate) config: DatasetConfig,
    /// The CRS of the raw coordinates (the file's, or dataset.toml's).
    pub crs: Crs,
    /// The parcels carry a `parcel_code` column (see [`Dataset::has_parcel_codes`]).
    pub has_parcel_codes: bool,
}

/// A dataset's tables other than the parcels, read as they are stored (see [`Dataset::from_raw`]).
pub struct RawTables {
    pub(crate) certificates: Certificates,
    pub(crate) register: Option<crate::linkage::register::Register>,
    /// Holder linkage as stored (see [`Dataset::linkage`]).
    pub linkage: Option<crate::linkage::holders::Linkage>,
    /// Group boundaries in order: name (None when empty) and geometry as read.
    pub groups: Vec<(Option<String>, RawGeometry)>,
    pub(crate) inputs: Vec<InputFile>,
}

impl Dataset {
    /// Builds a dataset from raw features and tables read elsewhere, through the same projection,
    /// orientation, validation, measuring, ids and groups as [`Dataset::load`]: the same features give the
    /// same dataset. `parcels` gives every parcel feature in the order of the parcels file, values in the order
    /// of the contract's parcel properties (`parcel_id, commune, sheet, parcel_no, group, land_use, area,
    /// parcel_code`), in `raw.crs`.
    pub fn from_raw(raw: RawHead, tables: RawTables, parcels: &mut dyn FeatureSource) -> Result<Dataset> {
        let mut timings = Vec::new();
        let clock = Instant::now();
        let path = raw.dir.join("parcels");
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
        let mut feeder = Feeder {
            config_crs: Some(raw.crs.clone()),
            frame: None,
            pending: Vec::new(),
            first_pending: 0,
            tx,
            _path: &path,
        };
        let (read, frame, converted) = std::thread::scope(|scope| {
            let converter = scope.spawn(|| convert(&path, rx, 0));
            let read = parcels.read(&mut |f, _| feeder.push(f, None)).and_then(|_| feeder.send());
            let frame = feeder.frame.take();
            drop(feeder);
            let converted = converter.join().unwrap_or_else(|_| Err(Error::panicked("the conversion of parcels")));
            (read, frame, converted)
        });
        let (mut parcels, skipped) = match (read, converted) {
            (_, Err(e)) | (Err(e), _) => return Err(e),
            (Ok(()), Ok(c)) => c,
        };
        let frame = match frame {
            Some(f) => Arc::try_unwrap(f).unwrap_or_else(|f| Frame::new(f.source().clone(), f.center_lon())),
            None => Frame::new(raw.crs, 0.0),
        };
        measure(&mut parcels, &frame);
        assign_ids(&mut parcels, raw.config.commune.as_deref());
        timings.push(("read_parcels".to_string(), clock.elapsed().as_secs_f64()));
        let mut groups = Vec::new();
        if !tables.groups.is_empty() {
            let features = tables.groups.len();
            let raw_groups = RawGroups {
                path: raw.dir.join("groups"),
                features: tables.groups,
                info: Ok(LayerInfo {
                    driver: "PostgreSQL".into(),
                    crs: None,
                    features,
                    crs_after_features: false,
                    present: Vec::new(),
                }),
            };
            let (g, _) = build_groups(raw_groups, &frame)?;
            assign_groups(&mut parcels, &g);
            groups = g;
        }
        let warnings = input_warnings(&raw.config, &tables.certificates, tables.register.is_some());
        Ok(Dataset {
            warnings,
            dir: raw.dir,
            name: raw.name,
            config: raw.config,
            frame,
            parcels,
            has_parcel_codes: raw.has_parcel_codes,
            certificates: tables.certificates,
            register: tables.register,
            linkage: tables.linkage,
            groups,
            inputs: tables.inputs,
            skipped_features: skipped,
            sheets: None,
            timings,
        })
    }

    /// Reads `groups.<ext>` of `dir` again as raw features (name, geometry as read), in file order; empty
    /// when the dataset has no group boundaries.
    pub fn read_raw_groups(
        dir: &Path,
        config: &DatasetConfig,
        reader: Reader,
    ) -> Result<Vec<(Option<String>, RawGeometry)>> {
        match read_raw_groups(dir, config, reader)? {
            Some(raw) => {
                raw.info?;
                Ok(raw.features)
            }
            None => Ok(Vec::new()),
        }
    }

    /// Reads the parcels file of `dir` again as raw features, in file order and in chunks (first feature's
    /// position, features), exactly as [`Dataset::load_with`] reads them: for a store that keeps the data as
    /// read. Returns the CRS the features are in.
    pub fn read_raw_parcels(
        dir: &Path,
        config: &DatasetConfig,
        reader: Reader,
        on_chunk: &mut (dyn FnMut(usize, Vec<RawFeature>) -> Result<()> + Send),
    ) -> Result<Crs> {
        let path = parcels_file(dir)?;
        let config_crs = configured_crs(dir, config)?;
        let requests = parcel_requests(config);
        let read = {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
            let mut feeder = Feeder {
                config_crs: config_crs.clone(),
                frame: None,
                pending: Vec::new(),
                first_pending: 0,
                tx,
                _path: &path,
            };
            let (read, frame, consumed) = std::thread::scope(|scope| {
                let consumer = scope.spawn(|| -> Result<()> {
                    for (_, first, chunk) in rx {
                        on_chunk(first, chunk)?;
                    }
                    Ok(())
                });
                let mut source = open_parcels(&path, config, &requests, reader);
                let read = read_into(source.as_mut(), &mut feeder).and_then(|r| feeder.send().map(|()| r));
                let frame = feeder.frame.take();
                drop(feeder);
                let consumed = consumer.join().unwrap_or_else(|_| Err(Error::panicked("reading parcels")));
                (read, frame, consumed)
            });
            let (info, outcome) = match (read, consumed) {
                (_, Err(e)) | (Err(e), _) => return Err(e),
                (Ok(r), Ok(())) => r,
            };
            (frame, info.crs, outcome)
        };
        let (frame, declared, outcome) = read;
        if let ReadOutcome::RetryWithGdal = outcome {
            // Features already went out in the wrong CRS: the caller passes the CRS (`config.crs`) to avoid it.
            return Err(Error::bad_input(
                Location::file(&path).field("crs"),
                "the GeoJSON names its CRS after its features: set `crs` in dataset.toml",
            ));
        }
        Ok(match frame {
            Some(f) => f.source().clone(),
            None => config_crs.or(declared).unwrap_or_else(Crs::wgs84),
        })
    }
}

/// Warnings about the input that is not wrong but incomplete: each of the contract's certificate columns that
/// the file lacks, with what goes without it, and mappings of properties this version does not read.
pub fn input_warnings(config: &DatasetConfig, certificates: &Certificates, has_register: bool) -> Vec<String> {
    let mut out = Vec::new();
    for &canonical in &certificates.absent_columns {
        let consequence = match canonical {
            "area" => "area_mismatch and duplicate_certificate are not checked, and unmapped_split is found from split suffixes only",
            "holder_name" | "holder_birth" | "address" if has_register => {
                "holders are linked to the register without it (fewer and weaker matches by attributes)"
            }
            "holder_id" if has_register => "holders are linked by name, birth and address only",
            "commune" => "certificates are matched to parcels by sheet and number alone",
            _ => "left empty",
        };
        out.push(format!(
            "certificates.csv has no column `{}` ({canonical}): {consequence}",
            config.columns.certificate(canonical)
        ));
    }
    out
}

/// The dataset's `parcels.<ext>`, or its `parcels/` folder of map sheets.
fn parcels_file(dir: &Path) -> Result<PathBuf> {
    let folder = dir.join("parcels");
    let file = parcels::find_vector_file(dir, "parcels")?;
    match file {
        Some(path) if folder.is_dir() => Err(Error::bad_input(
            Location::file(&path),
            "the dataset has both this parcels file and a parcels/ folder of map sheets: keep one",
        )),
        Some(path) => Ok(path),
        None if folder.is_dir() => Ok(folder),
        None => Err(Error::bad_input(
            Location::file(dir.join("parcels.*")),
            "no parcels file: expected parcels.<ext> (.geojson, .gpkg, .shp, .fgb, .dgn, .tab, ...) or a parcels/ \
             folder of map sheets",
        )),
    }
}

/// The source of the parcels at `path`: a parcels file, or a folder of map sheets.
fn open_parcels<'a>(
    path: &'a Path,
    config: &'a DatasetConfig,
    requests: &'a [Option<ColumnRequest>],
    reader: Reader,
) -> Box<dyn FeatureSource + 'a> {
    if path.is_dir() {
        Box::new(sheets::SheetFolder {
            dir: path,
            columns: requests,
            reader,
            config: config.map_sheets.as_ref(),
            crs_configured: config.crs.is_some(),
            report: sheets::SheetsReport::default(),
        })
    } else {
        features::open(path, requests, reader)
    }
}

/// The parcels as read, with what else the reading learned.
struct ParcelsRead {
    parcels: Vec<Parcel>,
    frame: Frame,
    input: InputFile,
    /// Features that are not areas.
    skipped: usize,
    has_codes: bool,
    sheets: Option<sheets::SheetsReport>,
}

/// The CRS `dataset.toml` sets, if any.
fn configured_crs(dir: &Path, config: &DatasetConfig) -> Result<Option<Crs>> {
    config
        .crs
        .as_deref()
        .map(|def| {
            Crs::parse(def).map_err(|e| Error::bad_input(Location::file(dir.join("dataset.toml")).field("crs"), e))
        })
        .transpose()
}

/// The parcel properties to read, each under its mapped or canonical column name.
fn parcel_requests(config: &DatasetConfig) -> Vec<Option<ColumnRequest>> {
    PARCEL_FIELDS
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
        .collect()
}

/// Reads the parcels file into parcels in the planar frame, with ids and ground areas. Reading (one thread)
/// and conversion (every core) overlap.
fn read_parcels(path: &Path, config: &DatasetConfig, config_crs: Option<Crs>, reader: Reader) -> Result<ParcelsRead> {
    let requests = parcel_requests(config);
    let native = reader == Reader::Auto && geojson::handles(path);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
    let mut feeder =
        Feeder { config_crs: config_crs.clone(), frame: None, pending: Vec::new(), first_pending: 0, tx, _path: path };
    let (read, converted) = std::thread::scope(|scope| {
        // Plain GeoJSON parcels take 300 bytes or more each (a ring of five points and a few attributes).
        let expected = if native && !path.to_string_lossy().to_ascii_lowercase().ends_with(".gz") {
            std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len() / 300).unwrap_or(0))
        } else {
            0
        };
        let converter = scope.spawn(move || convert(path, rx, expected));
        let mut source = open_parcels(path, config, &requests, reader);
        let read = read_into(source.as_mut(), &mut feeder).and_then(|r| feeder.send().map(|()| r));
        let frame = feeder.frame.take();
        drop(feeder);
        let converted = converter.join().unwrap_or_else(|_| Err(Error::panicked("the conversion of parcels")));
        ((read, frame, source.sheets()), converted)
    });
    let (read, frame, sheets) = read;
    // A conversion error (a bad value in some feature) explains a stopped reader: report it first.
    let (info, outcome) = match (read, converted) {
        (_, Err(e)) | (Err(e), _) => return Err(e),
        (Ok(r), Ok(c)) => {
            if let ReadOutcome::RetryWithGdal = r.1 {
                return read_parcels(path, config, config_crs, Reader::Gdal);
            }
            (r.0, c)
        }
    };
    let frame = match frame {
        Some(f) => Arc::try_unwrap(f).unwrap_or_else(|f| Frame::new(f.source().clone(), f.center_lon())),
        None => Frame::new(config_crs.or(info.crs).unwrap_or_else(Crs::wgs84), 0.0),
    };
    let has_codes = info.present.get(CODE_COLUMN).copied().unwrap_or(false);
    let input =
        InputFile { role: "parcels".into(), path: path.to_path_buf(), format: info.driver, records: info.features };
    let (mut parcels, skipped) = outcome;
    measure(&mut parcels, &frame);
    assign_ids(&mut parcels, config.commune.as_deref());
    Ok(ParcelsRead { parcels, frame, input, skipped, has_codes, sheets })
}

enum ReadOutcome {
    Done,
    /// The GeoJSON file names its CRS only after its features: GDAL must read it (it looks ahead).
    RetryWithGdal,
}

/// Reads the source into the feeder.
fn read_into(source: &mut dyn FeatureSource, feeder: &mut Feeder) -> Result<(LayerInfo, ReadOutcome)> {
    let has_config_crs = feeder.config_crs.is_some();
    let info = source.read(&mut |f, crs| feeder.push(f, crs))?;
    let outcome =
        if info.crs_after_features && !has_config_crs { ReadOutcome::RetryWithGdal } else { ReadOutcome::Done };
    Ok((info, outcome))
}

fn build_parcel(path: &Path, i: usize, f: RawFeature, frame: &Frame) -> Result<Option<Parcel>> {
    let i = f.position.map_or(i, |p| p as usize);
    let at = |field: &str| Location::feature(path, i).field(field);
    let v = &f.values;
    let sheet = value_integer(&v[2]).map_err(|m| Error::bad_input(at("sheet"), m))?;
    let parcel_no = value_integer(&v[3]).map_err(|m| Error::bad_input(at("parcel_no"), m))?;
    let recorded_area = value_area(&v[6]).map_err(|m| Error::bad_input(at("area"), m))?;
    let (geometry, invalid) = match f.geometry {
        RawGeometry::NotAreal(_) => return Ok(None),
        RawGeometry::Missing => (None, Some(Invalid::Missing)),
        RawGeometry::Polygons(polys) => {
            build_geometry(polys, frame).map_err(|m| Error::bad_input(at("geometry"), m))?
        }
    };
    let invalid = match f.defect {
        Some(why) if geometry.is_some() && invalid.is_none() => Some(Invalid::Drawn(why)),
        _ => invalid,
    };
    let text = |v: &RawValue| value_text(v).map(Shared::from);
    Ok(Some(Parcel {
        id: value_text(&v[0]).map(CompactString::from).unwrap_or_default(),
        feature: u32::try_from(i).unwrap_or(u32::MAX),
        commune: text(&v[1]),
        sheet,
        parcel_no,
        group: text(&v[4]),
        land_use: text(&v[5]),
        recorded_area,
        code: v.get(CODE_COLUMN).and_then(value_text).map(CompactString::from),
        bbox: geometry.as_ref().and_then(|g| g.bounding_rect()),
        geometry,
        invalid: invalid.map(|why| why.to_string().into_boxed_str()),
        area_m2: None,
        area_scale: 1.0,
    }))
}

impl Dataset {
    /// One parcel made as the pipeline makes it from a raw feature numbered `feature` (projected, oriented,
    /// validated, measured, its commune defaulted, its id given or derived: [`natural_id`]); None when the
    /// feature is not an area. Repeated ids are told apart by the caller. The incremental re-check's way in.
    pub(crate) fn build_one(
        &self,
        feature: u32,
        mut raw: RawFeature,
        groups: Option<&GroupLocator>,
    ) -> Result<Option<Parcel>> {
        raw.position = Some(feature);
        let Some(mut p) = build_parcel(&self.dir.join("parcels"), feature as usize, raw, &self.frame)? else {
            return Ok(None);
        };
        measure_one(&mut p, &self.frame);
        if p.commune.is_none() {
            p.commune = self.config.commune.as_deref().map(Shared::from);
        }
        p.id = natural_id(&p);
        if let Some(i) = groups.and_then(|l| l.group_of(&p)) {
            p.group = Some(self.groups[i].name.clone());
        }
        Ok(Some(p))
    }
}

impl Dataset {
    /// The position of the parcel with feature number `feature`, if any (parcels are in feature order).
    pub fn position_of_feature(&self, feature: u32) -> Option<usize> {
        let k = self.parcels.partition_point(|p| p.feature < feature);
        (self.parcels.get(k)?.feature == feature).then_some(k)
    }
}

impl Parcel {
    /// A parcel with nothing but its feature number: no id, number, geometry or area (the incremental
    /// re-check's place of a retired parcel).
    pub(crate) fn blank(feature: u32) -> Parcel {
        Parcel {
            id: CompactString::default(),
            feature,
            commune: None,
            sheet: None,
            parcel_no: None,
            group: None,
            land_use: None,
            recorded_area: None,
            code: None,
            geometry: None,
            bbox: None,
            invalid: None,
            area_m2: None,
            area_scale: 1.0,
        }
    }
}
