//! `GET /map-sheets.geojson`: what the map sheets drawn as lines left unexplained, for officers to see on the map
//! and for QGIS: the lines that bound no face (dangles, cut lines) and the labels in no face, each with its sheet
//! file and element number, in WGS 84; and the summary of every sheet (`sheets`, as `summary.json` has it). A
//! commune whose parcels are not map sheets answers an empty collection. Nothing personal is in it.

use serde_json::{json, Value};

use super::source::Source;

/// Longitude and latitude rounded to 1e-8 degrees (about a millimetre), as the report writes them.
fn lonlat(src: &Source, xy: [f64; 2]) -> Option<[f64; 2]> {
    let (lon, lat) = src.checked.dataset.frame.source().to_wgs84(xy[0], xy[1]).ok()?;
    let r = |v: f64| (v * 1e8).round() / 1e8;
    (lon.is_finite() && lat.is_finite()).then(|| [r(lon), r(lat)])
}

/// The collection.
pub(crate) fn drawing_defects(src: &Source) -> Value {
    let Some(report) = &src.checked.dataset.sheets else {
        return json!({"type": "FeatureCollection", "features": [], "sheets": []});
    };
    let mut features = Vec::new();
    for s in &report.sheets {
        for l in &s.loose_lines {
            let Some(coords) = l.coords.iter().map(|&c| lonlat(src, c)).collect::<Option<Vec<_>>>() else { continue };
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"kind": l.kind, "file": s.file, "sheet": s.sheet, "element": l.element,
                               "length": (l.length * 1000.0).round() / 1000.0},
            }));
        }
        for t in &s.loose_labels {
            let Some(at) = lonlat(src, t.at) else { continue };
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": at},
                "properties": {"kind": "loose_label", "file": s.file, "sheet": s.sheet, "element": t.element,
                               "text": t.text},
            }));
        }
    }
    json!({"type": "FeatureCollection", "features": features, "sheets": report.sheets})
}
