//! Where features come from, behind one trait in the spirit of geozero's `GeozeroDatasource`: a
//! [`FeatureSource`] pushes every feature of its layer, in order, into a sink. Three sources exist: a
//! [`GdalLayer`] (any vector format GDAL reads), a [`GeoJsonFile`] (the native GeoJSON reader, faster than GDAL
//! on big files) and the parcels of a commune in the PostGIS store (`crate::store`). What is done with the
//! features afterwards (projection, validation, ids, groups) is one pipeline for all three.

use std::path::Path;

use super::geojson;
use super::parcels::{self, ColumnRequest, RawFeature};
use super::Reader;
use crate::crs::Crs;
use crate::error::{Error, Location, Result};

/// What a source learned about its layer besides the features.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    /// The format, as reports name it (`GPKG`, `GeoJSON (native reader)`, `PostgreSQL`).
    pub driver: String,
    /// The CRS the layer declares, if any.
    pub crs: Option<Crs>,
    /// Features read.
    pub features: usize,
    /// For each requested column: whether the layer has it (a field of the layer; in GeoJSON, a property of
    /// some feature).
    pub present: Vec<bool>,
    /// The layer declared its CRS only after features had gone to the sink without it (a GeoJSON `crs`
    /// member at the end of the file): those features are in a CRS the sink was not told.
    pub crs_after_features: bool,
}

/// The sink a [`FeatureSource`] feeds: each feature, with the CRS its layer has declared so far.
pub type Sink<'a> = dyn FnMut(RawFeature, Option<&Crs>) -> Result<()> + 'a;

/// A layer of features.
pub trait FeatureSource {
    /// Passes every feature to `sink` in the layer's order, each with the values of the columns asked for
    /// (in the order asked; `Null` where a feature has none). Stops at the first error, the sink's or the
    /// layer's; a required column that the layer lacks is an error naming the file, the column and where its
    /// name came from.
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<LayerInfo>;

    /// What the map sheets gave, once read, for a folder of sheets ([`super::sheets::SheetFolder`]).
    fn sheets(&mut self) -> Option<super::sheets::SheetsReport> {
        None
    }
}

/// The first layer of a file, through GDAL.
pub struct GdalLayer<'a> {
    /// The file.
    pub path: &'a Path,
    /// The columns to read (`None`: a position left `Null`).
    pub columns: &'a [Option<ColumnRequest>],
}

impl FeatureSource for GdalLayer<'_> {
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<LayerInfo> {
        parcels::read_features(self.path, self.columns, sink)
    }
}

/// A GeoJSON file (plain or gzip-compressed), through the native reader ([`geojson`]).
pub struct GeoJsonFile<'a> {
    /// The file.
    pub path: &'a Path,
    /// The columns to read (`None`: a position left `Null`).
    pub columns: &'a [Option<ColumnRequest>],
}

impl FeatureSource for GeoJsonFile<'_> {
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<LayerInfo> {
        let path = self.path;
        let sources: Vec<Option<String>> = self.columns.iter().map(|r| r.as_ref().map(|r| r.source.clone())).collect();
        // The `crs` member as named and as parsed (parsed again only when the name changes).
        let mut declared: Option<(String, Crs)> = None;
        let outcome = geojson::read(path, &sources, &mut |f, name| {
            let crs = match name {
                None => None,
                Some(name) => {
                    if declared.as_ref().map(|d| d.0.as_str()) != Some(name) {
                        let crs =
                            Crs::parse(name).map_err(|e| Error::bad_input(Location::file(path).field("crs"), e))?;
                        declared = Some((name.to_string(), crs));
                    }
                    declared.as_ref().map(|d| &d.1)
                }
            };
            sink(f, crs)
        })?;
        required_columns_seen(path, self.columns, &outcome)?;
        // A `crs` member after the features was passed to none of them: the caller decides what it means.
        let crs = match declared {
            Some((_, crs)) => Some(crs),
            None => outcome.crs.as_deref().and_then(|name| Crs::parse(name).ok()),
        };
        Ok(LayerInfo {
            driver: "GeoJSON (native reader)".into(),
            crs,
            features: outcome.features,
            crs_after_features: outcome.crs_after_features,
            present: outcome.seen.clone(),
        })
    }
}

/// The source for a file: the native reader for GeoJSON unless GDAL is asked for, GDAL otherwise.
pub fn open<'a>(path: &'a Path, columns: &'a [Option<ColumnRequest>], reader: Reader) -> Box<dyn FeatureSource + 'a> {
    if reader == Reader::Auto && geojson::handles(path) {
        Box::new(GeoJsonFile { path, columns })
    } else {
        Box::new(GdalLayer { path, columns })
    }
}

/// After the native GeoJSON reader: a required column that no feature had is an error naming it (GDAL's
/// reader says so from the layer's fields).
fn required_columns_seen(path: &Path, requests: &[Option<ColumnRequest>], outcome: &geojson::Outcome) -> Result<()> {
    for (req, seen) in requests.iter().zip(&outcome.seen) {
        if let Some(req) = req {
            if req.required && !seen && outcome.features > 0 {
                return Err(parcels::missing_column(path, req, &["(no feature has it)".to_string()]));
            }
        }
    }
    Ok(())
}
