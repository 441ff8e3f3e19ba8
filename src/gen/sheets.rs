//! A generated commune written as surveyors keep a map without a land database: a `parcels/` folder of map
//! sheets, one file per sheet, named `<commune>_To_<sheet>.<ext>` (contract v2, "Map sheets").
//!
//! - [`SheetFormat::Dgn`]: MicroStation DGN v7 through GDAL's DGN writer, drawn as Famis draws: every boundary
//!   line once (a line shared by two parcels of the sheet is one line), on level 10; in each parcel, at a point
//!   well inside it, text elements for its number, its recorded area (a decimal) and its land use, on level 13;
//!   the sheet's frame on level 1 and its title on level 63, which the level filters of `dataset.toml` leave
//!   out. Coordinates are kept at the millimetre (`SUB_UNITS_PER_MASTER_UNIT=1000`, `UOR_PER_SUB_UNIT=1`,
//!   `ORIGIN` at the sheet's corner, so VN-2000 metres fit DGN's 32-bit integers).
//! - [`SheetFormat::GeoJson`]: the same parcels as polygons with attributes, one GeoJSON file per sheet and no
//!   sheet column (the file name gives it): the twin a check of the drawing must agree with.

use std::collections::HashSet;
use std::ffi::CString;
use std::path::Path;

use gdal::vector::{Geometry, LayerAccess, LayerOptions, OGRwkbGeometryType};
use gdal::DriverManager;

use super::layout::{Layout, Pt, LAND_USES};
use super::write;
use crate::error::{Error, Result};

/// How the sheets are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// MicroStation DGN v7: boundary lines and text labels.
    Dgn,
    /// GeoJSON: polygons with attributes.
    GeoJson,
}

/// The level of boundary lines, of labels, of the sheet frame and of its title.
pub(crate) const BOUNDARY_LEVEL: i32 = 10;
pub(crate) const LABEL_LEVEL: i32 = 13;
const FRAME_LEVEL: i32 = 1;
const TITLE_LEVEL: i32 = 63;

/// Writes `dir/parcels/`: the parcels of `order` (file order, sheet by sheet) one file per sheet.
pub(crate) fn write(dir: &Path, lay: &Layout, order: &[u32], commune: &str, format: SheetFormat) -> Result<()> {
    let folder = dir.join("parcels");
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    for sheet in order.chunk_by(|a, b| lay.parcels[*a as usize].sheet == lay.parcels[*b as usize].sheet) {
        let number = lay.parcels[sheet[0] as usize].sheet;
        match format {
            SheetFormat::Dgn => dgn(&folder.join(format!("{commune}_To_{number}.dgn")), lay, sheet, number)?,
            SheetFormat::GeoJson => geojson(&folder.join(format!("{commune}_To_{number}.geojson")), lay, sheet)?,
        }
    }
    Ok(())
}

fn metres(v: i64) -> f64 {
    v as f64 / 1000.0
}

/// A point well inside parcel `i` (where its national code is taken), on the millimetre grid.
fn label_point(lay: &Layout, i: usize) -> Pt {
    let p = super::codes::inside(lay.ring(i));
    [(p.x * 1000.0).round() as i64, (p.y * 1000.0).round() as i64]
}

/// The recorded area as the labels write it: as the GeoJSON files do (`DienTich`), tenths with a decimal.
fn area_text(area: f64) -> String {
    let mut buf = Vec::new();
    write::push_tenths(&mut buf, (area * 10.0).round() as u64);
    String::from_utf8_lossy(&buf).into_owned()
}

fn gdal_err(path: &Path, e: gdal::errors::GdalError) -> Error {
    Error::Internal(format!("{}: GDAL could not write the DGN sheet: {e}", path.display()))
}

fn dgn(path: &Path, lay: &Layout, sheet: &[u32], number: u32) -> Result<()> {
    let err = |e| gdal_err(path, e);
    let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
    for &i in sheet {
        for p in lay.ring(i as usize) {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
    }
    // The origin a kilometre below the sheet's corner, in whole kilometres; GDAL takes it negated.
    let origin = lo.map(|v| (v.div_euclid(1_000_000) - 1) * 1000);
    let options = gdal::raster::RasterCreationOptions::from_iter([
        "SEED=/usr/share/gdal/seed_2d.dgn".to_string(),
        format!("ORIGIN={},{},0", -origin[0], -origin[1]),
        "SUB_UNITS_PER_MASTER_UNIT=1000".to_string(),
        "UOR_PER_SUB_UNIT=1".to_string(),
        "MASTER_UNIT_NAME=m".to_string(),
        "SUB_UNIT_NAME=mm".to_string(),
    ]);
    let driver = DriverManager::get_driver_by_name("DGN").map_err(err)?;
    let mut ds = driver.create_with_band_type_with_options::<u8, _>(path, 0, 0, 0, &options).map_err(err)?;
    let layer = ds.create_layer(LayerOptions { name: "elements", ..Default::default() }).map_err(err)?;
    let level = layer.defn().field_index("Level").map_err(err)?;
    let defn = gdal::vector::Defn::from_layer(&layer);
    let put = |geometry: Geometry, at_level: i32, style: Option<String>| -> Result<()> {
        let mut f = gdal::vector::Feature::new(&defn).map_err(err)?;
        f.set_field_integer(level, at_level).map_err(err)?;
        f.set_geometry(geometry).map_err(err)?;
        if let Some(style) = style {
            let c = CString::new(style).map_err(|e| Error::Internal(e.to_string()))?;
            // SAFETY: the feature handle is alive for this call, and GDAL copies the string.
            unsafe { gdal_sys::OGR_F_SetStyleString(f.c_feature(), c.as_ptr()) };
        }
        f.create(&layer).map_err(err)
    };
    // GDAL's DGN writer truncates to the unit of resolution: 41669.565 m becomes 41669564 mm when the product
    // falls a hair short. A nudge of 0.4 mm makes it land on the intended millimetre.
    let uor = |v: i64| metres(v) + 0.0004;
    let line = |pts: &[Pt]| -> Result<Geometry> {
        let mut g = Geometry::empty(OGRwkbGeometryType::wkbLineString).map_err(err)?;
        for p in pts {
            g.add_point_2d((uor(p[0]), uor(p[1])));
        }
        Ok(g)
    };
    let point = |p: Pt| -> Result<Geometry> {
        let mut g = Geometry::empty(OGRwkbGeometryType::wkbPoint).map_err(err)?;
        g.add_point_2d((uor(p[0]), uor(p[1])));
        Ok(g)
    };
    let label = |t: &str| Some(format!("LABEL(t:\"{t}\",s:1.2g)"));

    // The frame, 5 m outside the parcels, and the title above it: on levels the check leaves out.
    let (a, b) = ([lo[0] - 5000, lo[1] - 5000], [hi[0] + 5000, hi[1] + 5000]);
    put(line(&[a, [b[0], a[1]], b, [a[0], b[1]], a])?, FRAME_LEVEL, None)?;
    put(point([a[0], b[1] + 2000])?, TITLE_LEVEL, label(&format!("TO BAN DO SO {number}")))?;

    // Boundaries: each parcel's ring in runs of edges not drawn yet.
    let mut drawn: HashSet<(Pt, Pt)> = HashSet::new();
    for &i in sheet {
        let ring = lay.ring(i as usize);
        let n = ring.len();
        let mut run: Vec<Pt> = Vec::new();
        for k in 0..n {
            let (p, q) = (ring[k], ring[(k + 1) % n]);
            let key = if p < q { (p, q) } else { (q, p) };
            if drawn.insert(key) {
                if run.is_empty() {
                    run.push(p);
                }
                run.push(q);
            } else if run.len() >= 2 {
                put(line(&run)?, BOUNDARY_LEVEL, None)?;
                run.clear();
            }
        }
        if run.len() >= 2 {
            put(line(&run)?, BOUNDARY_LEVEL, None)?;
        }
    }
    // Labels, in file order.
    for &i in sheet {
        let p = &lay.parcels[i as usize];
        let at = label_point(lay, i as usize);
        // The area below the number and the land use above it, where the parcel is tall enough.
        let ring: geo::LineString<f64> =
            lay.ring(i as usize).iter().map(|c| geo::Coord { x: metres(c[0]), y: metres(c[1]) }).collect();
        let shape = geo::Polygon::new(ring, vec![]);
        let beside = |dy: i64| {
            let q = [at[0], at[1] + dy];
            let inside = geo::Contains::contains(&shape, &geo::Point::new(metres(q[0]), metres(q[1])));
            if inside {
                q
            } else {
                at
            }
        };
        put(point(at)?, LABEL_LEVEL, label(&p.number.to_string()))?;
        put(point(beside(-1500))?, LABEL_LEVEL, label(&area_text(p.area)))?;
        put(point(beside(1500))?, LABEL_LEVEL, label(LAND_USES[p.land_use as usize]))?;
    }
    Ok(())
}

fn geojson(path: &Path, lay: &Layout, sheet: &[u32]) -> Result<()> {
    let head = b"{\"type\":\"FeatureCollection\",\"features\":[\n";
    write::write_items(path, head, sheet.len(), b",\n", b"\n]}\n", |buf, k| {
        let i = sheet[k] as usize;
        let p = &lay.parcels[i];
        buf.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{\"SoThuTuThua\":");
        write::push_u64(buf, u64::from(p.number));
        buf.extend_from_slice(b",\"KyHieuMucDichSuDung\":\"");
        buf.extend_from_slice(LAND_USES[p.land_use as usize].as_bytes());
        buf.extend_from_slice(b"\",\"DienTich\":");
        write::push_tenths(buf, (p.area * 10.0).round() as u64);
        buf.extend_from_slice(b"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[");
        write::push_ring(buf, lay.ring(i), true);
        buf.extend_from_slice(b"]}}");
    })
}
