//! A map sheet drawn as lines and text (MicroStation DGN v7, AutoCAD DXF), read through GDAL: its boundary lines
//! and its text labels with their element ids, filtered by level (`[map_sheets] boundary_levels`,
//! `label_levels`).

use std::path::Path;

use gdal::vector::{FieldValue, LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset as GdalDataset, DatasetOptions, GdalOpenFlags};
use geo::Coord;

use super::faces::{DrawnLabel, DrawnLine};
use crate::error::{Error, Location, Result};

/// The lines and labels of one drawn sheet.
#[derive(Debug, Default)]
pub struct Drawing {
    /// GDAL's driver (`DGN`, `DXF`).
    pub driver: String,
    /// Boundary lines on the boundary levels (every part of a multi-line; every ring of a closed shape).
    pub lines: Vec<DrawnLine>,
    /// Text elements on the label levels.
    pub labels: Vec<DrawnLabel>,
    /// Elements read, of every kind and level.
    pub elements: usize,
}

/// Which levels to take (None: all).
#[derive(Debug, Clone, Default)]
pub struct Levels<'a> {
    /// Levels of the boundary lines.
    pub boundaries: Option<&'a [u32]>,
    /// Levels of the labels.
    pub labels: Option<&'a [u32]>,
}

/// True when `path` is a drawing of lines and text rather than a table of polygons.
pub fn is_drawing(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("dgn") || e.eq_ignore_ascii_case("dxf"))
}

/// Reads the drawing at `path`: a DGN v7 file with [`super::dgn7`] where it can, everything else through GDAL.
pub fn read(path: &Path, levels: &Levels<'_>) -> Result<Drawing> {
    crate::dataset::parcels::refuse_dgn_v8(path)?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("dgn")) {
        let bytes = std::fs::read(path).map_err(|e| Error::unreadable(path, &e))?;
        if let Ok((lines, labels, elements)) = super::dgn7::read(&bytes, levels.boundaries, levels.labels) {
            return Ok(Drawing { driver: "DGN".into(), lines, labels, elements });
        }
    }
    read_with_gdal(path, levels)
}

/// Reads the drawing at `path` through GDAL's DGN or DXF driver.
pub fn read_with_gdal(path: &Path, levels: &Levels<'_>) -> Result<Drawing> {
    crate::dataset::parcels::refuse_dgn_v8(path)?;
    crate::input::gdal::quiet_gdal();
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        ..Default::default()
    };
    let bad = |m: String| Error::bad_input(Location::file(path), m);
    let ds = GdalDataset::open_ex(path, options)
        .map_err(|e| bad(format!("GDAL cannot read it as a drawing: {}", super::super::parcels::clean_gdal(&e))))?;
    let mut drawing = Drawing { driver: ds.driver().short_name(), ..Default::default() };
    for mut layer in ds.layers() {
        let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let level_field = ["Level", "Layer"].iter().find_map(|n| names.iter().position(|f| f.eq_ignore_ascii_case(n)));
        let text_field = names.iter().position(|f| f.eq_ignore_ascii_case("Text"));
        let mut points = Vec::new();
        for feature in layer.features() {
            drawing.elements += 1;
            let element = feature.fid().unwrap_or(drawing.elements as u64 - 1);
            let level = level_field.and_then(|i| match feature.field(i) {
                Ok(Some(FieldValue::IntegerValue(v))) => u32::try_from(v).ok(),
                Ok(Some(FieldValue::StringValue(s))) => s.trim().parse().ok(),
                _ => None,
            });
            let on = |wanted: Option<&[u32]>| wanted.is_none_or(|w| level.is_some_and(|l| w.contains(&l)));
            let Some(g) = feature.geometry() else { continue };
            let text = text_field.and_then(|i| match feature.field(i) {
                Ok(Some(FieldValue::StringValue(s))) if !s.trim().is_empty() => Some(s),
                _ => None,
            });
            if let Some(text) = text {
                if on(levels.labels) {
                    if let Some(at) = first_point(g, &mut points) {
                        drawing.labels.push(DrawnLabel { element, at, text });
                    }
                }
                continue;
            }
            if on(levels.boundaries) {
                lines_of(g, element, &mut points, &mut drawing.lines);
            }
        }
    }
    Ok(drawing)
}

fn first_point(g: &gdal::vector::Geometry, points: &mut Vec<(f64, f64, f64)>) -> Option<Coord<f64>> {
    points.clear();
    g.get_points(points);
    if points.is_empty() && g.geometry_count() > 0 {
        return first_point(&g.get_geometry(0), points);
    }
    points.first().map(|p| Coord { x: p.0, y: p.1 }).filter(|c| c.x.is_finite() && c.y.is_finite())
}

/// The lines of a geometry: a line string as it is, every part of a collection, every ring of a polygon.
fn lines_of(g: &gdal::vector::Geometry, element: u64, points: &mut Vec<(f64, f64, f64)>, out: &mut Vec<DrawnLine>) {
    use OGRwkbGeometryType::*;
    let flat = gdal::vector::geometry_type_flatten(g.geometry_type());
    if flat == wkbLineString || flat == wkbLinearRing {
        points.clear();
        g.get_points(points);
        let coords: Vec<Coord<f64>> = points.iter().map(|p| Coord { x: p.0, y: p.1 }).collect();
        if coords.len() >= 2 && coords.iter().all(|c| c.x.is_finite() && c.y.is_finite()) {
            out.push(DrawnLine { element, coords });
        }
    } else if flat == wkbPolygon
        || flat == wkbMultiLineString
        || flat == wkbMultiPolygon
        || flat == wkbGeometryCollection
    {
        for i in 0..g.geometry_count() {
            lines_of(&g.get_geometry(i), element, points, out);
        }
    }
}
