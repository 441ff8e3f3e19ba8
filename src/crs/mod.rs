//! Coordinate reference systems: parsing the contract's CRS forms, and the planar metric frame that all
//! geometry work happens in.
//!
//! Transformations run in pure Rust through [`proj4rs`] (thread-safe, no global state, PROJ-exact for the
//! transverse Mercator + Helmert pipelines of VN-2000). EPSG codes and WKT are turned into PROJ strings by GDAL's
//! OSR (the same PROJ database every GIS here uses), so any CRS that GDAL knows works.
//!
//! ```
//! use thuadat::crs::Crs;
//! let crs = Crs::parse("VN2000:105.0").unwrap();
//! assert!(!crs.is_geographic());
//! let (lon, lat) = crs.to_wgs84(551_784.382, 2_323_033.967).unwrap();
//! assert!((lon - 105.5).abs() < 1e-8 && (lat - 21.0).abs() < 1e-8);
//! ```

mod grid;
pub use grid::ProjectionGrid;

use proj4rs::proj::Proj;
use proj4rs::transform::transform;

/// Helmert parameters of VN-2000 -> WGS 84 (EPSG:6960, Decision 05/2007/QĐ-BTNMT) with the rotation signs
/// as PROJ's `+towgs84` (position vector) takes them: the opposite of the decision's table.
pub const VN2000_TOWGS84: &str =
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278";

const WGS84_PROJ: &str = "+proj=longlat +datum=WGS84 +no_defs";

/// The PROJ string of the contract's `VN2000:<lon_0>` shorthand (TM-3, k = 0.9999).
pub fn vn2000_proj_string(lon_0: f64) -> String {
    format!(
        "+proj=tmerc +lat_0=0 +lon_0={lon_0} +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs"
    )
}

/// WGS 84 longitude/latitude, parsed once for every transformation to or from it (parsing a PROJ string per
/// coordinate cost more than the transformation itself).
fn wgs84_proj() -> &'static Proj {
    static WGS84: std::sync::LazyLock<Proj> =
        std::sync::LazyLock::new(|| Proj::from_proj_string(WGS84_PROJ).expect("the WGS 84 PROJ string is valid"));
    &WGS84
}

/// A parsed coordinate reference system.
#[derive(Debug)]
pub struct Crs {
    /// What the user wrote (or where it came from).
    pub definition: String,
    /// The PROJ string used for transformations.
    pub proj_string: String,
    proj: Proj,
}

impl Clone for Crs {
    fn clone(&self) -> Self {
        // The PROJ string parsed once already; parsing it again cannot fail.
        Crs::from_proj_string(&self.definition, &self.proj_string).unwrap_or_else(|_| Crs::wgs84())
    }
}

impl Crs {
    /// WGS 84 longitude/latitude (EPSG:4326, axis order lon, lat as in GeoJSON).
    pub fn wgs84() -> Crs {
        let proj = Proj::from_proj_string(WGS84_PROJ).expect("the WGS 84 PROJ string is valid");
        Crs { definition: "EPSG:4326".into(), proj_string: WGS84_PROJ.into(), proj }
    }

    fn from_proj_string(definition: &str, proj_string: &str) -> Result<Crs, String> {
        let proj = Proj::from_proj_string(proj_string)
            .map_err(|e| format!("unsupported CRS `{definition}` ({proj_string}): {e}"))?;
        Ok(Crs { definition: definition.into(), proj_string: proj_string.into(), proj })
    }

    /// Parses `EPSG:nnnn`, a PROJ string (`+proj=...`), the `VN2000:<lon_0>` shorthand, or anything else GDAL's
    /// OSR understands (WKT, `urn:ogc:def:crs:EPSG::nnnn`, `OGC:CRS84`).
    pub fn parse(definition: &str) -> Result<Crs, String> {
        let s = definition.trim();
        if s.is_empty() {
            return Err("empty CRS".into());
        }
        if let Some(rest) = strip_prefix_ci(s, "VN2000:") {
            let lon_0: f64 = rest.trim().parse().map_err(|_| {
                format!("`{s}`: VN2000:<lon_0> needs the central meridian in decimal degrees, e.g. VN2000:105.0")
            })?;
            if !(100.0..=112.0).contains(&lon_0) {
                return Err(format!(
                    "`{s}`: central meridian {lon_0} is outside Vietnam's VN-2000 zones (102-110 degrees east)"
                ));
            }
            return Crs::from_proj_string(s, &vn2000_proj_string(lon_0));
        }
        if s.starts_with('+') {
            let crs = Crs::from_proj_string(s, s)?;
            if crs.proj.is_geocent() {
                return Err(not_2d(s, GEOCENTRIC));
            }
            return Ok(crs);
        }
        let upper = s.to_ascii_uppercase();
        if matches!(upper.as_str(), "EPSG:4326" | "OGC:CRS84" | "CRS:84" | "WGS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84") {
            return Ok(Crs { definition: s.into(), ..Crs::wgs84() });
        }
        crate::input::gdal::quiet_gdal();
        let srs = if let Some(code) = strip_prefix_ci(s, "EPSG:") {
            let code: u32 = code.trim().parse().map_err(|_| format!("`{s}`: EPSG code must be a number"))?;
            gdal::spatial_ref::SpatialRef::from_epsg(code).map_err(|_| format!("unknown CRS `{s}`"))?
        } else {
            gdal::spatial_ref::SpatialRef::from_definition(s).map_err(|_| format!("unknown CRS `{s}`"))?
        };
        Crs::from_spatial_ref(s, &srs)
    }

    /// The CRS that GDAL read from a data file. Only a projected or a geographic 2D CRS places parcels on a
    /// map: geocentric, 3D, compound, vertical and engineering systems are refused.
    pub fn from_spatial_ref(definition: &str, srs: &gdal::spatial_ref::SpatialRef) -> Result<Crs, String> {
        if let Some(kind) = not_2d_kind(srs) {
            return Err(not_2d(definition, kind));
        }
        if srs.is_geographic() && srs.auth_name().as_deref() == Some("EPSG") && srs.auth_code().ok() == Some(4326) {
            return Ok(Crs { definition: definition.into(), ..Crs::wgs84() });
        }
        let proj4 = srs.to_proj4().map_err(|e| format!("CRS `{definition}` has no PROJ form: {e}"))?;
        let mut proj4 = proj4.trim().to_string();
        // ESRI .prj files (Shapefiles exported from MicroStation/Famis, ArcGIS) name the VN-2000 datum but carry
        // no shift to WGS 84; without it every point lands about 200 m off. Add the national one.
        if is_vn2000(srs) && !proj4.contains("+towgs84") && !proj4.contains("+datum") && !proj4.contains("+nadgrids") {
            proj4 = proj4.replace("+ellps=WGS84", &format!("+ellps=WGS84 +towgs84={VN2000_TOWGS84}"));
        }
        Crs::from_proj_string(definition, &proj4)
    }

    /// True for longitude/latitude systems.
    pub fn is_geographic(&self) -> bool {
        self.proj.is_latlong()
    }

    /// Transforms one coordinate of this CRS to WGS 84 longitude/latitude in degrees.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let mut p = self.input(x, y);
        transform(&self.proj, wgs84_proj(), &mut p).map_err(|e| e.to_string())?;
        Ok((p.0.to_degrees(), p.1.to_degrees()))
    }

    /// Transforms WGS 84 longitude/latitude in degrees to this CRS.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        transform(wgs84_proj(), &self.proj, &mut p).map_err(|e| e.to_string())?;
        Ok(self.output(p))
    }

    fn input(&self, x: f64, y: f64) -> (f64, f64, f64) {
        if self.is_geographic() {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        }
    }

    fn output(&self, p: (f64, f64, f64)) -> (f64, f64) {
        if self.is_geographic() {
            (p.0.to_degrees(), p.1.to_degrees())
        } else {
            (p.0, p.1)
        }
    }
}

const GEOCENTRIC: &str = "a geocentric CRS (X, Y, Z from the Earth's centre)";

/// What kind of CRS `srs` is when it is not a projected or a geographic 2D one.
fn not_2d_kind(srs: &gdal::spatial_ref::SpatialRef) -> Option<&'static str> {
    // Compound first: GDAL calls a compound CRS geographic or projected after its horizontal part.
    Some(if srs.is_compound() {
        "a compound CRS (horizontal and vertical): give its horizontal part alone"
    } else if srs.is_geocentric() {
        GEOCENTRIC
    } else if srs.is_vertical() {
        "a vertical CRS (heights only)"
    } else if srs.is_local() {
        "an engineering (local) CRS, not tied to the Earth"
    } else if srs.is_geographic() {
        if srs.axes_count() == 2 {
            return None;
        }
        "a geographic 3D CRS (longitude, latitude and ellipsoidal height)"
    } else if srs.is_projected() {
        if srs.axes_count() == 2 {
            return None;
        }
        "a projected 3D CRS (with heights)"
    } else {
        "neither a projected nor a geographic CRS"
    })
}

fn not_2d(definition: &str, kind: &str) -> String {
    format!(
        "`{definition}` is {kind}: parcels need a projected or a geographic 2D CRS (e.g. \"VN2000:105.0\", EPSG:5897 or EPSG:4326)"
    )
}

/// True when the CRS is on the VN-2000 datum (by EPSG datum code 6756 or by name, as ESRI writes it).
fn is_vn2000(srs: &gdal::spatial_ref::SpatialRef) -> bool {
    let wkt = srs.to_wkt().unwrap_or_default().to_ascii_uppercase();
    let datum = wkt.split("DATUM[").nth(1).unwrap_or("");
    let name = datum.split(',').next().unwrap_or("");
    (name.contains("2000") && (name.contains("VIETNAM") || name.contains("VN"))) || datum.contains("\"6756\"")
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

/// The planar metric frame that geometry work happens in, and the way back to WGS 84.
///
/// Projected input stays in its own coordinates (no precision lost, no time spent). Geographic input is
/// projected to a transverse Mercator (k = 1) on the data's central meridian. Ground areas are planar areas
/// times [`Frame::area_scale`], the local areal scale of the projection, looked up on a 1 km grid.
#[derive(Debug)]
pub struct Frame {
    source: Crs,
    center_lon: f64,
    /// The working projection when the source is geographic.
    planar: Option<Crs>,
    /// Longitude/latitude on the planar frame's own ellipsoid, without datum shift: for the Jacobian.
    ellipsoidal: Proj,
    /// Semi-major and semi-minor axes of that ellipsoid.
    axes: (f64, f64),
}

impl Clone for Frame {
    fn clone(&self) -> Self {
        Frame::new(self.source.clone(), self.center_lon)
    }
}

impl Frame {
    /// A frame for data in `source`; `center_lon` (degrees) is used for geographic sources.
    pub fn new(source: Crs, center_lon: f64) -> Frame {
        let planar = if source.is_geographic() {
            let s =
                format!("+proj=tmerc +lat_0=0 +lon_0={center_lon} +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs");
            Crs::from_proj_string(&s, &s).ok()
        } else {
            None
        };
        let axes = planar.as_ref().unwrap_or(&source).proj.ellipse_parameters();
        let ellipsoidal = Proj::from_proj_string(&format!("+proj=longlat +a={} +b={} +no_defs", axes.0, axes.1))
            .unwrap_or_else(|_| Crs::wgs84().proj);
        Frame { source, center_lon, planar, ellipsoidal, axes }
    }

    /// The CRS the data come in (the frame projects from it).
    pub fn source(&self) -> &Crs {
        &self.source
    }

    /// The central meridian used for a geographic source.
    pub fn center_lon(&self) -> f64 {
        self.center_lon
    }

    /// Projects source coordinates into the planar frame in place. On failure, the position of the coordinate
    /// that failed (left as it was) and why.
    pub fn to_planar(&self, coords: &mut [geo::Coord<f64>]) -> Result<(), (usize, String)> {
        let Some(planar) = &self.planar else { return Ok(()) };
        for (k, c) in coords.iter_mut().enumerate() {
            let mut p = (c.x.to_radians(), c.y.to_radians(), 0.0);
            transform(&self.source.proj, &planar.proj, &mut p).map_err(|e| (k, e.to_string()))?;
            if !(p.0.is_finite() && p.1.is_finite()) {
                return Err((k, "no finite result".into()));
            }
            *c = geo::Coord { x: p.0, y: p.1 };
        }
        Ok(())
    }

    /// True when the planar point projects back to a longitude/latitude on the ellipsoid (the projection alone:
    /// what the area scale needs).
    pub fn projects(&self, x: f64, y: f64) -> bool {
        self.ellipsoidal(x, y).is_ok_and(|(lon, lat)| lon.is_finite() && lat.abs() <= std::f64::consts::FRAC_PI_2)
    }

    /// A planar point in radians of longitude/latitude on the frame's own ellipsoid, without datum shift.
    fn ellipsoidal(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let crs = self.planar_crs();
        let mut p = crs.input(x, y);
        transform(&crs.proj, &self.ellipsoidal, &mut p).map_err(|e| e.to_string())?;
        Ok((p.0, p.1))
    }

    /// The CRS of planar coordinates.
    fn planar_crs(&self) -> &Crs {
        self.planar.as_ref().unwrap_or(&self.source)
    }

    /// Transforms a planar coordinate to WGS 84 degrees.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        self.planar_crs().to_wgs84(x, y)
    }

    /// Transforms WGS 84 degrees to a planar coordinate.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        self.planar_crs().from_wgs84(lon, lat)
    }

    /// Ground area / planar area at a planar point: the determinant of the projection's inverse Jacobian
    /// on the WGS 84 ellipsoid.
    pub fn area_scale(&self, x: f64, y: f64) -> Result<f64, String> {
        // The projection alone, on its own ellipsoid: a datum shift would only add iteration noise.
        let geographic = |x: f64, y: f64| self.ellipsoidal(x, y);
        let d = 10.0;
        let p0 = geographic(x, y)?;
        let px = geographic(x + d, y)?;
        let py = geographic(x, y + d)?;
        let phi = p0.1;
        let (a, b) = self.axes;
        let e2 = 1.0 - (b * b) / (a * a);
        let w = (1.0 - e2 * phi.sin().powi(2)).sqrt();
        let m = a * (1.0 - e2) / (w * w * w); // meridian radius of curvature
        let n = a / w; // prime vertical radius of curvature
        let east = |p: (f64, f64)| n * phi.cos() * (p.0 - p0.0);
        let north = |p: (f64, f64)| m * (p.1 - p0.1);
        let det = east(px) * north(py) - east(py) * north(px);
        Ok(det.abs() / (d * d))
    }
}

/// Areal scale factors on a grid of cells over the data's extent, so that each parcel's ground area costs one
/// lookup. Within a 1 km cell the scale of a TM-3 zone varies by less than 1e-5 of itself.
#[derive(Debug, Clone)]
pub struct AreaScaleGrid {
    min: (f64, f64),
    cell: f64,
    cols: usize,
    /// NaN where the cell's centre cannot be projected.
    values: Vec<f64>,
}

impl AreaScaleGrid {
    /// Side of the cells: 1 km, or more when the extent is wider than 512 km (at most 512 x 512 cells).
    pub const CELL: f64 = 1000.0;

    pub(crate) fn new(frame: &Frame, min: (f64, f64), max: (f64, f64)) -> Self {
        let span = (max.0 - min.0).max(max.1 - min.1).max(1.0);
        let cell = (span / 512.0).max(Self::CELL);
        let cols = ((max.0 - min.0) / cell).floor() as usize + 1;
        let rows = ((max.1 - min.1) / cell).floor() as usize + 1;
        let mut values = Vec::with_capacity(cols * rows);
        for r in 0..rows {
            for c in 0..cols {
                let x = min.0 + (c as f64 + 0.5) * cell;
                let y = min.1 + (r as f64 + 0.5) * cell;
                values.push(frame.area_scale(x, y).ok().filter(|s| s.is_finite() && *s > 0.0).unwrap_or(f64::NAN));
            }
        }
        AreaScaleGrid { min, cell, cols, values }
    }

    /// True when the extent is wider than 512 km or some cell cannot be projected: data that reaches that far
    /// is worth checking parcel by parcel.
    pub fn stretched(&self) -> bool {
        self.cell > Self::CELL || self.values.iter().any(|v| v.is_nan())
    }

    /// The scale at a planar point (the nearest cell's; clamped at the edges); NaN where the cell cannot be
    /// projected.
    pub fn at(&self, x: f64, y: f64) -> f64 {
        let rows = self.values.len() / self.cols;
        let c = (((x - self.min.0) / self.cell).floor().max(0.0) as usize).min(self.cols - 1);
        let r = (((y - self.min.1) / self.cell).floor().max(0.0) as usize).min(rows - 1);
        self.values[r * self.cols + c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthand_and_errors() {
        let c = Crs::parse("VN2000:107.75").unwrap();
        assert!(c.proj_string.contains("+lon_0=107.75 +k=0.9999"));
        assert!(c.proj_string.contains(VN2000_TOWGS84));
        assert_eq!(
            Crs::parse("VN2000:abc").unwrap_err(),
            "`VN2000:abc`: VN2000:<lon_0> needs the central meridian in decimal degrees, e.g. VN2000:105.0"
        );
        assert!(Crs::parse("EPSG:99999999").unwrap_err().starts_with("unknown CRS"));
        assert!(Crs::parse("EPSG:4326").unwrap().is_geographic());
        assert!(!Crs::parse("EPSG:3857").unwrap().is_geographic());
    }

    #[test]
    fn only_projected_and_geographic_2d_systems() {
        for ok in ["EPSG:4326", "EPSG:5897", "VN2000:105.0", "EPSG:3857", "OGC:CRS84", "urn:ogc:def:crs:EPSG::4326"] {
            assert!(Crs::parse(ok).is_ok(), "{ok}");
        }
        assert!(Crs::parse(&vn2000_proj_string(105.0)).is_ok());
        let kind = |def: &str| Crs::parse(def).unwrap_err().split(": parcels need").next().unwrap().to_string();
        assert_eq!(kind("EPSG:4978"), "`EPSG:4978` is a geocentric CRS (X, Y, Z from the Earth's centre)");
        assert_eq!(
            kind("+proj=geocent +ellps=WGS84"),
            "`+proj=geocent +ellps=WGS84` is a geocentric CRS (X, Y, Z from the Earth's centre)"
        );
        assert_eq!(
            kind("EPSG:4979"),
            "`EPSG:4979` is a geographic 3D CRS (longitude, latitude and ellipsoidal height)"
        );
        assert_eq!(
            kind("EPSG:9518"),
            "`EPSG:9518` is a compound CRS (horizontal and vertical): give its horizontal part alone"
        );
        assert_eq!(kind("EPSG:5773"), "`EPSG:5773` is a vertical CRS (heights only)");
        assert_eq!(
            kind(r#"LOCAL_CS["site grid",UNIT["metre",1]]"#),
            r#"`LOCAL_CS["site grid",UNIT["metre",1]]` is an engineering (local) CRS, not tied to the Earth"#
        );
        // A file's own CRS, as GDAL reads it.
        let srs = gdal::spatial_ref::SpatialRef::from_epsg(4978).unwrap();
        assert!(Crs::from_spatial_ref("EPSG:4978 (declared by parcels.gpkg)", &srs)
            .unwrap_err()
            .starts_with("`EPSG:4978 (declared by parcels.gpkg)` is a geocentric CRS"));
    }

    #[test]
    fn places_that_cannot_be_projected() {
        let frame = Frame::new(Crs::parse("VN2000:105.0").unwrap(), 0.0);
        assert!(frame.projects(585_000.0, 2_326_000.0));
        assert!(!frame.projects(1e9, 2_326_000.0));
        // A grid over data that reaches that far has cells without a scale, and says so.
        let grid = AreaScaleGrid::new(&frame, (585_000.0, 2_326_000.0), (1e9, 2_326_020.0));
        assert!(grid.stretched());
        assert!(grid.at(1e9, 2_326_000.0).is_nan());
        let grid = AreaScaleGrid::new(&frame, (585_000.0, 2_326_000.0), (585_100.0, 2_326_020.0));
        assert!(!grid.stretched());
        assert!((grid.at(585_050.0, 2_326_010.0) - frame.area_scale(585_500.0, 2_326_500.0).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn wgs84_round_trip_through_vn2000() {
        let c = Crs::parse("VN2000:105.0").unwrap();
        let (x, y) = c.from_wgs84(105.8, 21.03).unwrap();
        let (lon, lat) = c.to_wgs84(x, y).unwrap();
        // proj4rs inverts the Helmert shift iteratively: back within 1e-8 degrees (about a millimetre).
        assert!((lon - 105.8).abs() < 1e-8 && (lat - 21.03).abs() < 1e-8);
    }

    #[test]
    fn area_scale_of_tm3_is_one_over_k_squared() {
        // On the central meridian k = 0.9999, so ground area = planar / k^2.
        let frame = Frame::new(Crs::parse("VN2000:105.0").unwrap(), 0.0);
        let (x, y) = frame.from_wgs84(105.0, 21.0).unwrap();
        let s = frame.area_scale(x, y).unwrap();
        assert!((s - 1.0 / (0.9999f64 * 0.9999)).abs() < 2e-7, "{s}");
        // A geographic source is projected with k = 1 on its own meridian.
        let frame = Frame::new(Crs::wgs84(), 108.2);
        let mut c = [geo::Coord { x: 108.2, y: 16.05 }];
        frame.to_planar(&mut c).unwrap();
        assert!(c[0].x.abs() < 1e-6);
        let s = frame.area_scale(c[0].x, c[0].y).unwrap();
        assert!((s - 1.0).abs() < 2e-7, "{s}");
    }
}
