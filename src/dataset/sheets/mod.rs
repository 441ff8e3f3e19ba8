//! A commune's map kept as a `parcels/` folder of map sheets, one file per sheet (contract v2, "Map sheets"):
//! [`SheetFolder`] is a [`FeatureSource`] that reads the sheets one after the other and feeds their parcels to
//! the one pipeline as if they were one parcels file, numbered across the sheets.
//!
//! - A sheet of polygons with attributes (any format GDAL reads) gives its features as a parcels file does; its
//!   sheet number comes from the file name where the feature has none.
//! - A sheet drawn as lines and text (`.dgn` v7, `.dxf`: [`drawing`]) gives the parcels its labelled faces are
//!   ([`faces`]); the commune comes from `dataset.toml`.
//!
//! What each sheet gave (parcels, faces without a number, lines that bound no face, labels in no face) is the
//! [`SheetsReport`], which the report writes into `summary.json`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::features::{self, FeatureSource, LayerInfo, Sink};
use super::parcels::{ColumnRequest, RawFeature, RawGeometry, RawValue};
use super::Reader;
use crate::config::sheets::SheetNames;
use crate::config::MapSheets;
use crate::crs::Crs;
use crate::error::{Error, Location, Result};

pub mod dgn7;
pub mod drawing;
pub mod faces;
pub mod labels;

/// Files in a sheet folder that are not sheets: notes, backups, and the sidecars of the sheets themselves.
const NOT_SHEETS: &[&str] = &[
    "txt", "md", "pdf", "doc", "docx", "xls", "xlsx", "csv", "ini", "db", "bak", "log", "shx", "dbf", "prj", "cpg",
    "qix", "sbn", "sbx", "id", "map", "dat", "ind", "xml", "aux", "lock", "qmd", "qml",
];

/// One sheet file.
#[derive(Debug, Clone)]
struct SheetFile {
    path: PathBuf,
    name: String,
    sheet: u32,
}

/// What one sheet gave.
#[derive(Debug, Clone, Serialize)]
pub struct SheetSummary {
    /// The file's name in the folder.
    pub file: String,
    /// The sheet number its name gives.
    pub sheet: u32,
    /// `lines` (a drawing of boundary lines and labels) or `polygons` (a table of parcels).
    pub drawn_as: &'static str,
    /// GDAL's driver, or the native reader.
    pub format: String,
    /// Elements (a drawing) or features (polygons) read.
    pub elements: usize,
    /// Parcels it gave.
    pub parcels: usize,
    /// Faces without a parcel-number label: roads, ditches, gaps (a drawing).
    pub faces_without_number: usize,
    /// Faces holding more than one parcel number (a boundary is missing; each of them is `invalid_geometry`).
    pub faces_with_several_numbers: usize,
    /// Lines that bound no face.
    pub loose_lines: Vec<faces::LooseLine>,
    /// Labels in no face.
    pub loose_labels: Vec<LooseLabel>,
}

/// A label outside every face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LooseLabel {
    /// Its element id.
    pub element: u64,
    /// Where it is, in the drawing's coordinates.
    pub at: [f64; 2],
    /// Its text.
    pub text: String,
}

/// What the sheets of a folder gave, and where each parcel came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SheetsReport {
    /// Sheet by sheet, in sheet order.
    pub sheets: Vec<SheetSummary>,
    /// For each parcel feature (in feature order): the sheet it came from (an index into `sheets`) and its
    /// element in the sheet's file (the number label's element id in a drawing, the feature's position in a
    /// table).
    #[serde(skip)]
    pub origins: Vec<(u32, u64)>,
}

impl SheetsReport {
    /// The sheet file and element parcel feature `feature` came from.
    pub fn origin(&self, feature: u32) -> Option<(&str, u64)> {
        let &(sheet, element) = self.origins.get(feature as usize)?;
        Some((self.sheets.get(sheet as usize)?.file.as_str(), element))
    }
}

/// The sheets of a `parcels/` folder as one source of parcel features.
pub struct SheetFolder<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// The contract's columns, as for a parcels file (the values of a drawn parcel are filled in order).
    pub columns: &'a [Option<ColumnRequest>],
    /// The reader of polygon sheets.
    pub reader: Reader,
    /// `[map_sheets]`.
    pub config: Option<&'a MapSheets>,
    /// `dataset.toml` sets the CRS (a drawing declares none).
    pub crs_configured: bool,
    /// What the sheets gave, once read.
    pub report: SheetsReport,
}

impl FeatureSource for SheetFolder<'_> {
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<LayerInfo> {
        let pattern = self.config.and_then(|c| c.file_pattern.as_deref());
        let names = SheetNames::new(pattern)
            .map_err(|e| Error::bad_input(Location::file(self.dir).field("map_sheets.file_pattern"), e))?;
        let files = sheet_files(self.dir, &names, pattern.is_some())?;
        let mut present = vec![false; self.columns.len()];
        // The CRS the first sheet of polygons declares (None inside: none), and that sheet's name.
        let mut declared: Option<(Option<Crs>, String)> = None;
        let mut formats: Vec<String> = Vec::new();
        let mut next: u32 = 0;
        // The drawings' faces are built on every core, sheets taken in order; their parcels go out in sheet order
        // as soon as each is built, while the later ones are still being built.
        let config = self.config;
        let levels = drawing::Levels {
            boundaries: config.and_then(|c| c.boundary_levels.as_deref()),
            labels: config.and_then(|c| c.label_levels.as_deref()),
        };
        let crs_configured = self.crs_configured;
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Option<Result<Built>>)>();
        // Set when the sheets stop going out (an error): the sheets not built yet are not.
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| -> Result<()> {
            let files = &files;
            let levels = &levels;
            let stop = &stop;
            scope.spawn(move || {
                files.iter().enumerate().par_bridge().for_each_with(tx, |tx, (k, file)| {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    let built = drawing::is_drawing(&file.path).then(|| build(file, levels, crs_configured));
                    // The reader only hangs up after an error of its own.
                    let _ = tx.send((k, built));
                });
            });
            let mut ready: std::collections::BTreeMap<usize, Option<Result<Built>>> = Default::default();
            let mut feed = || -> Result<()> {
                for (k, file) in files.iter().enumerate() {
                    while !ready.contains_key(&k) {
                        let (i, built) = rx.recv().map_err(|_| Error::panicked("building the faces of map sheets"))?;
                        ready.insert(i, built);
                    }
                    let summary = if let Some(sheet) = ready.remove(&k).flatten() {
                        self.drawn_sheet(file, k as u32, sheet?, &mut next, sink)?
                    } else {
                        let (summary, info) = self.polygon_sheet(file, k as u32, &mut next, &mut declared, sink)?;
                        for (p, seen) in present.iter_mut().zip(&info.present) {
                            *p |= *seen;
                        }
                        summary
                    };
                    if !formats.contains(&summary.format) {
                        formats.push(summary.format.clone());
                    }
                    self.report.sheets.push(summary);
                }
                Ok(())
            };
            let fed = feed();
            if fed.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            fed
        })?;
        // The sheet number is filled in from the file names: every parcel has one.
        if let Some(p) = present.get_mut(2) {
            *p = true;
        }
        Ok(LayerInfo {
            driver: format!("map sheets: {} files ({})", files.len(), formats.join(", ")),
            crs: declared.and_then(|d| d.0),
            features: next as usize,
            present,
            crs_after_features: false,
        })
    }

    fn sheets(&mut self) -> Option<SheetsReport> {
        Some(std::mem::take(&mut self.report))
    }
}

impl SheetFolder<'_> {
    /// The parcels of a sheet drawn as lines and labels.
    fn drawn_sheet(
        &mut self,
        file: &SheetFile,
        k: u32,
        (drawn, built): Built,
        next: &mut u32,
        sink: &mut Sink<'_>,
    ) -> Result<SheetSummary> {
        let mut several = 0;
        for p in &built.parcels {
            if p.shares_face_with.first() == Some(&p.number) {
                several += 1;
            }
            let ring = |l: &geo::LineString<f64>| l.0.clone();
            let polygon: Vec<Vec<geo::Coord<f64>>> =
                std::iter::once(p.polygon.exterior()).chain(p.polygon.interiors()).map(ring).collect();
            let mut values = vec![RawValue::Null; self.columns.len()];
            let mut set = |i: usize, v: RawValue| {
                if let Some(slot) = values.get_mut(i) {
                    *slot = v;
                }
            };
            set(2, RawValue::Int(i64::from(file.sheet)));
            set(3, RawValue::Int(p.number));
            if let Some(u) = &p.land_use {
                set(5, RawValue::Text(u.clone()));
            }
            if let Some(a) = p.area {
                set(6, RawValue::Real(a));
            }
            let defect = (!p.shares_face_with.is_empty()).then(|| {
                let all: Vec<String> = p.shares_face_with.iter().map(i64::to_string).collect();
                format!(
                    "a boundary is missing on sheet {} ({}): one face holds parcel numbers {}",
                    file.sheet,
                    file.name,
                    all.join(", ")
                )
            });
            sink(
                RawFeature { geometry: RawGeometry::Polygons(vec![polygon]), values, position: Some(*next), defect },
                None,
            )?;
            self.report.origins.push((k, p.label_element));
            *next += 1;
        }
        let loose_labels = built
            .loose_labels
            .iter()
            .map(|&i| {
                let l = &drawn.labels[i];
                LooseLabel { element: l.element, at: [l.at.x, l.at.y], text: l.text.clone() }
            })
            .collect();
        Ok(SheetSummary {
            file: file.name.clone(),
            sheet: file.sheet,
            drawn_as: "lines",
            format: drawn.driver,
            elements: drawn.elements,
            parcels: built.parcels.len(),
            faces_without_number: built.without_number,
            faces_with_several_numbers: several,
            loose_lines: built.loose_lines,
            loose_labels,
        })
    }

    /// The parcels of a sheet of polygons with attributes.
    fn polygon_sheet(
        &mut self,
        file: &SheetFile,
        k: u32,
        next: &mut u32,
        declared: &mut Option<(Option<Crs>, String)>,
        sink: &mut Sink<'_>,
    ) -> Result<(SheetSummary, LayerInfo)> {
        let mut source = features::open(&file.path, self.columns, self.reader);
        let first = *next;
        let crs_configured = self.crs_configured;
        let origins = &mut self.report.origins;
        let info = source.read(&mut |mut f, crs| {
            let local = *next - first;
            let at = |field: &str| Location::feature(&file.path, local as usize).field(field);
            // dataset.toml's CRS overrides what the sheets declare; without it, they must agree.
            let proj = |c: Option<&Crs>| c.map(|c| c.proj_string.clone());
            match declared {
                None => *declared = Some((crs.cloned(), file.name.clone())),
                Some((d, from)) if !crs_configured && proj(d.as_ref()) != proj(crs) => {
                    let name = |c: Option<&Crs>| c.map_or("no CRS (WGS 84)".to_string(), |c| c.definition.clone());
                    return Err(Error::bad_input(
                        at("crs"),
                        format!(
                            "{} differs from {} of {from}: every sheet must be in one CRS",
                            name(crs),
                            name(d.as_ref())
                        ),
                    ));
                }
                Some(_) => {}
            }
            // The values the pipeline checks later, checked here where the file and feature can be named.
            super::value_integer(&f.values[2]).map_err(|m| Error::bad_input(at("sheet"), m))?;
            super::value_integer(&f.values[3]).map_err(|m| Error::bad_input(at("parcel_no"), m))?;
            super::value_area(&f.values[6]).map_err(|m| Error::bad_input(at("area"), m))?;
            if f.values[2] == RawValue::Null {
                f.values[2] = RawValue::Int(i64::from(file.sheet));
            }
            f.position = Some(*next);
            origins.push((k, u64::from(local)));
            *next += 1;
            sink(f, crs)
        })?;
        if info.crs_after_features && !self.crs_configured {
            return Err(Error::bad_input(
                Location::file(&file.path).field("crs"),
                "the GeoJSON names its CRS after its features: set `crs` in dataset.toml",
            ));
        }
        let summary = SheetSummary {
            file: file.name.clone(),
            sheet: file.sheet,
            drawn_as: "polygons",
            format: info.driver.clone(),
            elements: info.features,
            parcels: (*next - first) as usize,
            faces_without_number: 0,
            faces_with_several_numbers: 0,
            loose_lines: Vec::new(),
            loose_labels: Vec::new(),
        };
        Ok((summary, info))
    }
}

/// A drawn sheet as read, and its faces.
type Built = (drawing::Drawing, faces::Faces);

/// Reads a drawn sheet and builds its faces.
fn build(file: &SheetFile, levels: &drawing::Levels<'_>, crs_configured: bool) -> Result<Built> {
    if !crs_configured {
        return Err(Error::bad_input(
            Location::file(&file.path),
            "a sheet drawn as lines declares no coordinate system: set `crs` in dataset.toml \
             (e.g. crs = \"VN2000:105.0\" for Hanoi)",
        ));
    }
    let drawn = drawing::read(&file.path, levels)?;
    let faces =
        faces::build(&drawn.lines, &drawn.labels).map_err(|m| Error::bad_input(Location::file(&file.path), m))?;
    Ok((drawn, faces))
}

/// The sheet files of `dir`, in sheet order; every file must give a sheet number, and no two the same.
fn sheet_files(dir: &Path, names: &SheetNames, pattern_set: bool) -> Result<Vec<SheetFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::unreadable(dir, &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::unreadable(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ext = Path::new(&name).extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if name.starts_with('.') || name.starts_with('~') || NOT_SHEETS.contains(&ext.as_str()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            continue;
        }
        let Some(sheet) = names.sheet_of(&name) else {
            let how = if pattern_set { "`[map_sheets] file_pattern` does not match it" } else { "it holds no number" };
            return Err(Error::bad_input(
                Location::file(&path),
                format!("no sheet number in the file name: {how} (name sheets like To_12.dgn, or set `[map_sheets] file_pattern` in dataset.toml)"),
            ));
        };
        files.push(SheetFile { path, name, sheet });
    }
    if files.is_empty() {
        return Err(Error::bad_input(Location::file(dir), "the parcels/ folder holds no map sheet"));
    }
    files.sort_by(|a, b| (a.sheet, &a.name).cmp(&(b.sheet, &b.name)));
    for w in files.windows(2) {
        if w[0].sheet == w[1].sheet {
            return Err(Error::bad_input(
                Location::file(&w[1].path),
                format!("gives sheet {} as {} does: one file per sheet", w[1].sheet, w[0].name),
            ));
        }
    }
    Ok(files)
}
