//! Parcel geometry as read: projected into the planar frame, closed, oriented (shells counter-clockwise, holes
//! clockwise) and validated (`super::validity`); why a geometry is not valid, typed.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use geo::{Area, Rect};
use rayon::prelude::*;

use super::{parcels, validity, Parcel};
use crate::crs::{AreaScaleGrid, Frame};

/// Planar coordinates beyond this (in the CRS's units) are no place on Earth in any projection; arithmetic on
/// them (areas, orientation) would overflow long before it meant anything.
const PLANAR_LIMIT: f64 = 1e12;

/// Ring `ring` (0: the exterior) of polygon `polygon` of a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RingAt {
    pub polygon: usize,
    pub ring: usize,
}

impl std::fmt::Display for RingAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.polygon > 0 {
            write!(f, "polygon {}, ", self.polygon)?;
        }
        match self.ring {
            0 => write!(f, "exterior ring"),
            r => write!(f, "interior ring {r}"),
        }
    }
}

/// Where a coordinate that cannot be projected was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Ring(RingAt),
    /// A corner of the geometry's bounding box (no vertex alone fails).
    BoundingBox,
    /// The centre of the bounding box (where the area scale is taken).
    Centre,
}

/// Why a parcel's geometry is not valid (its text is the parcel's `invalid`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Invalid {
    /// The feature has no geometry.
    Missing,
    /// No polygon with a ring.
    Empty,
    NonFinite(RingAt),
    /// Fewer than 3 distinct points (how many).
    TooFewPoints(RingAt, usize),
    NotClosed(RingAt),
    /// A coordinate that the CRS cannot project to longitude/latitude: the geometry is dropped.
    CannotProject {
        place: Place,
        coord: Coord<f64>,
        crs: String,
        error: Option<String>,
    },
    /// Self-intersections, rings crossing or outside their shell, rings of zero area: in geo's words.
    Shape(validity::Problem),
    /// What the drawing says (a map sheet of lines: a face with two parcel numbers).
    Drawn(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Missing => write!(f, "missing geometry"),
            Invalid::Empty => write!(f, "empty geometry"),
            Invalid::NonFinite(at) => write!(f, "{at} has a non-finite coordinate"),
            Invalid::TooFewPoints(at, n) => write!(f, "{at} has {n} distinct points (at least 3 needed)"),
            Invalid::NotClosed(at) => write!(f, "{at} is not closed"),
            Invalid::CannotProject { place, coord, crs, error } => {
                let (x, y) = (number(coord.x), number(coord.y));
                match place {
                    Place::Ring(at) => write!(f, "{at} has coordinate ({x}, {y}), which ")?,
                    Place::BoundingBox => write!(f, "its bounding box reaches ({x}, {y}), which ")?,
                    Place::Centre => write!(f, "its centre ({x}, {y}) is a point which ")?,
                }
                write!(f, "{crs} cannot project to longitude/latitude")?;
                match error {
                    Some(e) => write!(f, " ({e})"),
                    None => Ok(()),
                }
            }
            Invalid::Shape(why) => write!(f, "{why}"),
            Invalid::Drawn(why) => write!(f, "{why}"),
        }
    }
}

/// A coordinate as written in messages: plainly, or in exponent form when it is huge (`1e308`).
fn number(v: f64) -> String {
    if v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn cannot_project(place: Place, coord: Coord<f64>, frame: &Frame, error: Option<String>) -> Invalid {
    Invalid::CannotProject { place, coord, crs: frame.source().definition.clone(), error }
}

/// Projects, closes and orients rings; says why the geometry is invalid when it is. Coordinates that are not
/// longitude/latitude in a geographic CRS are an error (the CRS does not fit the data); a coordinate that
/// cannot be projected makes the geometry invalid and drops it (None), so that nothing else works on it.
pub(crate) fn build_geometry(
    polys: Vec<parcels::RawPolygon>,
    frame: &Frame,
) -> std::result::Result<(Option<MultiPolygon<f64>>, Option<Invalid>), String> {
    let geographic = frame.source().is_geographic();
    let mut invalid: Option<Invalid> = None;
    let mut out = Vec::with_capacity(polys.len());
    for (pi, rings) in polys.into_iter().enumerate() {
        // Without holes, no vector for them (most parcels).
        let mut geo_rings = Vec::with_capacity(rings.len().saturating_sub(1));
        let mut exterior: Option<LineString<f64>> = None;
        for (ri, mut ring) in rings.into_iter().enumerate() {
            let at = RingAt { polygon: pi, ring: ri };
            if geographic {
                if let Some(c) = ring.iter().find(|c| c.x.abs() > 180.0 || c.y.abs() > 90.0) {
                    return Err(format!(
                        "coordinate ({}, {}) is not longitude/latitude but the CRS is {}: set `crs` in dataset.toml (e.g. \"VN2000:105.0\")",
                        c.x,
                        c.y,
                        frame.source().definition
                    ));
                }
            }
            if ring.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                invalid.get_or_insert(Invalid::NonFinite(at));
                ring.retain(|c| c.x.is_finite() && c.y.is_finite());
            }
            let closed = ring.len() > 1 && ring.first() == ring.last();
            let distinct = distinct_points(&ring);
            if distinct < 3 {
                invalid.get_or_insert(Invalid::TooFewPoints(at, distinct));
            } else if !closed {
                invalid.get_or_insert(Invalid::NotClosed(at));
            }
            if !geographic {
                let far = ring.iter().find(|c| c.x.abs() > PLANAR_LIMIT || c.y.abs() > PLANAR_LIMIT);
                if let Some(&c) = far {
                    return Ok((None, Some(cannot_project(Place::Ring(at), c, frame, None))));
                }
            }
            if let Err((k, e)) = frame.to_planar(&mut ring) {
                // The coordinate that failed is left as read.
                return Ok((None, Some(cannot_project(Place::Ring(at), ring[k], frame, Some(e)))));
            }
            let mut ring = LineString(ring);
            ring.close();
            // Shells counter-clockwise, holes clockwise: interiors on the left of every edge.
            let ccw = signed_area(&ring.0) > 0.0;
            if ccw != (ri == 0) {
                ring.0.reverse();
            }
            if exterior.is_none() {
                exterior = Some(ring);
            } else {
                geo_rings.push(ring);
            }
        }
        let Some(exterior) = exterior else { continue };
        out.push(Polygon::new(exterior, geo_rings));
    }
    if out.is_empty() {
        return Ok((None, Some(Invalid::Empty)));
    }
    let mp = MultiPolygon(out);
    if invalid.is_none() {
        invalid = validity::check(&mp).err().map(Invalid::Shape);
    }
    Ok((Some(mp), invalid))
}

/// Why `mp` (planar) cannot be measured, when some of it lies where the frame cannot project back to
/// longitude/latitude: the first such coordinate, or the corner of its bounding box that is.
pub(crate) fn unprojectable(mp: &MultiPolygon<f64>, frame: &Frame) -> Option<Invalid> {
    use geo::BoundingRect;
    let r = mp.bounding_rect()?;
    let corners = [r.min(), r.max(), Coord { x: r.min().x, y: r.max().y }, Coord { x: r.max().x, y: r.min().y }];
    let corner = corners.into_iter().find(|c| !frame.projects(c.x, c.y))?;
    for (pi, p) in mp.0.iter().enumerate() {
        for (ri, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            if let Some(&c) = ring.0.iter().find(|c| !frame.projects(c.x, c.y)) {
                return Some(cannot_project(Place::Ring(RingAt { polygon: pi, ring: ri }), c, frame, None));
            }
        }
    }
    Some(cannot_project(Place::BoundingBox, corner, frame, None))
}

/// The area scale cannot be had at `centre` of a geometry all of whose corners project.
pub(crate) fn centre_unprojectable(centre: Coord<f64>, frame: &Frame) -> Invalid {
    cannot_project(Place::Centre, centre, frame, None)
}

/// Distinct points of a ring, not counting repeats in a row nor the closing point.
fn distinct_points(ring: &[Coord<f64>]) -> usize {
    let mut n = ring.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!ring.is_empty());
    if n > 1 && ring.first() == ring.last() {
        n -= 1;
    }
    n
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
fn signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| (w[0].x - w[1].x) * (w[0].y + w[1].y)).sum::<f64>()
}

/// Ground areas: planar area times the local areal scale, from a grid over the parcels' envelope. A parcel
/// that lies where the frame cannot project back to longitude/latitude is an invalid geometry, dropped, and
/// the grid covers the other parcels only (one far parcel would coarsen it, or leave it without values).
pub(crate) fn measure(parcels: &mut [Parcel], frame: &Frame) {
    let mut grid = scale_grid(parcels, frame);
    if grid.as_ref().is_some_and(AreaScaleGrid::stretched) {
        // Far or unprojectable places: check each parcel, and build the grid again without those dropped.
        let dropped: usize = parcels
            .par_iter_mut()
            .map(|p| match p.geometry.as_ref().and_then(|g| unprojectable(g, frame)) {
                Some(why) => {
                    p.drop_geometry(&why);
                    1
                }
                None => 0,
            })
            .sum();
        if dropped > 0 {
            grid = scale_grid(parcels, frame);
        }
    }
    let Some(grid) = grid else { return };
    parcels.par_iter_mut().for_each(|p| {
        let (Some(g), Some(r)) = (&p.geometry, p.bbox) else { return };
        let c = r.center();
        let usable = |s: f64| s.is_finite() && s > 0.0;
        // A cell that cannot be projected (far from the parcels, in a grid over scattered data): the scale at
        // the parcel itself.
        let scale = Some(grid.at(c.x, c.y))
            .filter(|s| usable(*s))
            .or_else(|| frame.area_scale(c.x, c.y).ok().filter(|s| usable(*s)));
        match scale {
            Some(s) => {
                p.area_scale = s;
                if p.invalid.is_none() {
                    p.area_m2 = Some(g.unsigned_area() * s);
                }
            }
            None => {
                let why = unprojectable(g, frame).unwrap_or_else(|| centre_unprojectable(c, frame));
                p.drop_geometry(&why);
            }
        }
    });
}

/// [`measure`] for one parcel (the incremental re-check): the areal scale at the parcel itself rather than
/// from a grid (the grid holds the same function sampled every kilometre).
pub(crate) fn measure_one(p: &mut Parcel, frame: &Frame) {
    let (Some(g), Some(r)) = (&p.geometry, p.bbox) else { return };
    if let Some(why) = unprojectable(g, frame) {
        p.drop_geometry(&why);
        return;
    }
    let c = r.center();
    match frame.area_scale(c.x, c.y).ok().filter(|s| s.is_finite() && *s > 0.0) {
        Some(s) => {
            p.area_scale = s;
            if p.invalid.is_none() {
                p.area_m2 = Some(g.unsigned_area() * s);
            }
        }
        None => {
            let why = centre_unprojectable(c, frame);
            p.drop_geometry(&why);
        }
    }
}

/// The area-scale grid over the envelope of the parcels that have geometry (None when none has).
fn scale_grid(parcels: &[Parcel], frame: &Frame) -> Option<AreaScaleGrid> {
    let env = parcels.iter().filter_map(|p| p.bbox).reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })?;
    Some(AreaScaleGrid::new(frame, (env.min().x, env.min().y), (env.max().x, env.max().y)))
}
