//! Parcels from a drawing of boundary lines and text labels, as Famis builds them ("tạo topology", "tạo vùng",
//! "gán dữ liệu từ nhãn"): line ends that miss by up to [`SNAP_M`] are snapped, vertices on the inside of
//! another segment become its vertices, GEOS nodes the lines where they cross and polygonizes them into faces
//! (as PostGIS's `ST_Polygonize`); each label goes to the face that holds it.
//!
//! A face with one parcel-number label is a parcel; a face with several is each of those parcels with the
//! face's geometry, marked as missing a boundary; a face without one is not a parcel (a road, a gap) and is
//! only counted. Lines that bound no face (dangles and cut lines longer than the snapping tolerance) and labels
//! in no face are listed for the officer.

use geo::{BoundingRect, Coord, Distance, Euclidean, Intersects, Line, LineString, Point, Polygon};
use geos::{CoordSeq, Geom, Geometry as GeosGeometry};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use rustc_hash::FxHashMap;

use super::labels::{self, Said};

/// How far apart line ends may be and still meet: a millimetre, with room for a diagonal miss of one unit of
/// resolution of a drawing kept at the millimetre (DGN v7's integer coordinates).
pub const SNAP_M: f64 = 0.0015;

/// A boundary line as drawn: its element id in the drawing and its vertices.
#[derive(Debug, Clone)]
pub struct DrawnLine {
    /// The element id (the feature number GDAL gives it).
    pub element: u64,
    /// Vertices, in the drawing's coordinates.
    pub coords: Vec<Coord<f64>>,
}

/// A text label as drawn.
#[derive(Debug, Clone)]
pub struct DrawnLabel {
    /// The element id.
    pub element: u64,
    /// Where the text is anchored.
    pub at: Coord<f64>,
    /// The text.
    pub text: String,
}

/// A parcel found as a labelled face.
#[derive(Debug, Clone)]
pub struct FaceParcel {
    /// The face.
    pub polygon: Polygon<f64>,
    /// The parcel number its label says.
    pub number: i64,
    /// The area label nearest to the number within the face, if any.
    pub area: Option<f64>,
    /// The land-use label nearest to the number within the face, if any.
    pub land_use: Option<String>,
    /// The number label's element id.
    pub label_element: u64,
    /// Every number of the face, when it holds more than one (a boundary is missing between them).
    pub shares_face_with: Vec<i64>,
}

/// A line that bounds no face.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LooseLine {
    /// `dangle` (an end meets nothing) or `cut` (both ends meet lines, but a face lies on both sides).
    pub kind: &'static str,
    /// The element it was drawn as (the nearest drawn line).
    pub element: Option<u64>,
    /// Its first and last points, in the drawing's coordinates.
    pub from: [f64; 2],
    /// See `from`.
    pub to: [f64; 2],
    /// Its length in the drawing's units.
    pub length: f64,
    /// Its vertices, in the drawing's coordinates (for the map; the summary gives the ends).
    #[serde(skip)]
    pub coords: Vec<[f64; 2]>,
}

/// What a drawing gives.
#[derive(Debug, Default)]
pub struct Faces {
    /// Parcels, face by face (in the polygonizer's order), numbers in label order within a face.
    pub parcels: Vec<FaceParcel>,
    /// Faces without a number label (roads, gaps, the space between parcels).
    pub without_number: usize,
    /// Lines that bound no face.
    pub loose_lines: Vec<LooseLine>,
    /// Labels outside every face (indices into the drawing's labels).
    pub loose_labels: Vec<usize>,
}

/// Builds the faces of `lines` and gives them `labels`.
pub fn build(lines: &[DrawnLine], labels: &[DrawnLabel]) -> Result<Faces, String> {
    let mut paths: Vec<Vec<Coord<f64>>> = lines
        .iter()
        .map(|l| {
            let mut c = l.coords.clone();
            c.dedup();
            c
        })
        .filter(|c| c.len() >= 2)
        .collect();
    snap(&mut paths, SNAP_M);
    let mut out = Faces::default();
    if paths.is_empty() {
        out.loose_labels = (0..labels.len()).collect();
        return Ok(out);
    }
    let geos_err = |e: geos::Error| format!("the boundary lines could not be noded and polygonized: {e}");
    let lines_geos: Vec<GeosGeometry> =
        paths.iter().map(|p| line_string(p)).collect::<Result<_, _>>().map_err(geos_err)?;
    let all = GeosGeometry::create_multiline_string(lines_geos).map_err(geos_err)?;
    // Noded in floating point (`GEOSNode`: split where lines cross, each piece once however often it was drawn);
    // `snap` made the T-junctions explicit. GEOS's snap-rounding would do that too, but seeds a random generator
    // for every line it indexes (a quarter of the time of a drawn commune), and a union builds an overlay graph
    // and validates it, which polygonizing does not need.
    let noded = all.node().map_err(geos_err)?;
    let (polygons, cuts, dangles, _) = noded.polygonize_full().map_err(geos_err)?;
    let faces = polygons_of(&polygons).map_err(geos_err)?;

    // The drawn segments, to name the element of a loose line: built only when there is one.
    let mut segments = None;
    for (kind, found) in [("dangle", dangles), ("cut", cuts)] {
        let Some(found) = found else { continue };
        for line in line_strings_of(&found).map_err(geos_err)? {
            let length = line.lines().map(|l| Euclidean.distance(&Point(l.start), &Point(l.end))).sum::<f64>();
            if length <= SNAP_M {
                continue; // an overshoot within the tolerance: noise of the drawing
            }
            let (Some(&a), Some(&b)) = (line.0.first(), line.0.last()) else { continue };
            let mid = Coord { x: (line.0[0].x + line.0[1].x) / 2.0, y: (line.0[0].y + line.0[1].y) / 2.0 };
            let element =
                segments.get_or_insert_with(|| segment_index(lines)).nearest_neighbor(&Point(mid)).map(|s| s.data);
            let coords = line.0.iter().map(|c| [c.x, c.y]).collect();
            out.loose_lines.push(LooseLine { kind, element, from: [a.x, a.y], to: [b.x, b.y], length, coords });
        }
    }

    // Each label to the face that holds it.
    let index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        faces
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let r = f.bounding_rect()?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
            })
            .collect(),
    );
    let mut held: Vec<Vec<(usize, Said)>> = vec![Vec::new(); faces.len()];
    for (k, label) in labels.iter().enumerate() {
        let p = Point(label.at);
        let face = index
            .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            .map(|g| g.data)
            .filter(|&i| faces[i].intersects(&p))
            .min();
        match face {
            Some(i) => held[i].extend(labels::read(&label.text).into_iter().map(|s| (k, s))),
            None => out.loose_labels.push(k),
        }
    }
    for (face, said) in faces.into_iter().zip(held) {
        out.add_face(face, &said, labels);
    }
    // In the order the labels were drawn: the surveyor's order, not the polygonizer's.
    out.parcels.sort_by_key(|p| p.label_element);
    Ok(out)
}

impl Faces {
    /// The parcels of one face from what its labels say.
    fn add_face(&mut self, face: Polygon<f64>, said: &[(usize, Said)], labels: &[DrawnLabel]) {
        let numbers: Vec<(usize, i64)> =
            said.iter().filter_map(|(k, s)| if let Said::Number(n) = s { Some((*k, *n)) } else { None }).collect();
        if numbers.is_empty() {
            self.without_number += 1;
            return;
        }
        // Each area and land-use label goes with the nearest number label of the face.
        let nearest = |k: usize| {
            let at = Point(labels[k].at);
            numbers
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    let da = Euclidean.distance(&at, &Point(labels[a.1 .0].at));
                    let db = Euclidean.distance(&at, &Point(labels[b.1 .0].at));
                    da.total_cmp(&db)
                })
                .map(|(j, _)| j)
        };
        let mut areas: Vec<Option<(f64, f64)>> = vec![None; numbers.len()];
        let mut uses: Vec<Option<(f64, String)>> = vec![None; numbers.len()];
        for (k, s) in said {
            let Some(j) = nearest(*k) else { continue };
            let d = Euclidean.distance(&Point(labels[*k].at), &Point(labels[numbers[j].0].at));
            match s {
                Said::Area(a) if areas[j].as_ref().is_none_or(|x| d < x.1) => areas[j] = Some((*a, d)),
                Said::LandUse(u) if uses[j].as_ref().is_none_or(|x| d < x.0) => uses[j] = Some((d, u.clone())),
                _ => {}
            }
        }
        let all: Vec<i64> = if numbers.len() > 1 { numbers.iter().map(|n| n.1).collect() } else { Vec::new() };
        for (j, (k, number)) in numbers.iter().enumerate() {
            self.parcels.push(FaceParcel {
                polygon: face.clone(),
                number: *number,
                area: areas[j].map(|a| a.0),
                land_use: uses[j].take().map(|u| u.1),
                label_element: labels[*k].element,
                shares_face_with: all.clone(),
            });
        }
    }
}

/// Moves line ends that miss by up to `tol`: an end that no other line shares goes to the nearest vertex of
/// another line within `tol` (the most shared one first), else into the nearest segment within `tol` (which
/// gets the end as a new vertex), so that noding sees one point where the drawing meant one.
fn snap(paths: &mut [Vec<Coord<f64>>], tol: f64) {
    let mut uses: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    for p in paths.iter() {
        for &c in p {
            *uses.entry(key(c)).or_default() += 1;
        }
    }
    let ends: Vec<(usize, bool)> = (0..paths.len()).flat_map(|i| [(i, false), (i, true)]).collect();
    // Every end meets another line exactly in the usual drawing: then no end moves to a vertex.
    if ends.iter().any(|&(i, last)| free(&uses, end(&paths[i], last))) {
        snap_to_vertices(paths, &ends, &mut uses, tol);
    }
    // Ends to segments.
    let segments: RTree<GeomWithData<Line<f64>, (usize, usize)>> = RTree::bulk_load(
        paths
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.windows(2).enumerate().map(move |(s, w)| GeomWithData::new(Line::new(w[0], w[1]), (i, s)))
            })
            .collect(),
    );
    // Every vertex within `tol` of the inside of another segment becomes a vertex of that segment, so that they
    // meet exactly: a free end that misses a line, lines that meet on another line (a T), a corner of one
    // parcel on the side of its neighbour that was drawn without it.
    let mut inserts: Vec<(usize, usize, f64, Coord<f64>)> = Vec::new();
    let vertices = paths.iter().enumerate().flat_map(|(i, p)| p.iter().enumerate().map(move |(v, &c)| (i, v, c)));
    for (i, v, c) in vertices {
        let hit = segments
            .locate_within_distance(Point(c), tol * tol)
            .filter(|s| s.data != (i, v) && s.data != (i, v.wrapping_sub(1)))
            .filter(|s| s.geom().start != c && s.geom().end != c)
            .filter_map(|s| {
                let l = s.geom();
                let len2 = l.dx() * l.dx() + l.dy() * l.dy();
                let t = ((c.x - l.start.x) * l.dx() + (c.y - l.start.y) * l.dy()) / len2;
                (t > 0.0 && t < 1.0).then(|| (s.data, t, Euclidean.distance(l, &Point(c))))
            })
            .min_by(|a, b| a.2.total_cmp(&b.2));
        if let Some(((j, k), t, _)) = hit {
            inserts.push((j, k, t, c));
        }
    }
    // Inserted from the end of each line backwards, so earlier positions stay put.
    inserts.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)).reverse());
    inserts.dedup_by(|a, b| (a.0, a.1, a.3) == (b.0, b.1, b.3));
    for (j, k, _, c) in inserts {
        paths[j].insert(k + 1, c);
    }
}

/// Moves each free end (`uses` 1) to the most shared vertex within `tol`.
fn snap_to_vertices(
    paths: &mut [Vec<Coord<f64>>],
    ends: &[(usize, bool)],
    uses: &mut FxHashMap<[u64; 2], u32>,
    tol: f64,
) {
    let vertices: RTree<GeomWithData<[f64; 2], Coord<f64>>> = RTree::bulk_load(
        uses.keys()
            .map(|k| {
                let c = Coord { x: f64::from_bits(k[0]), y: f64::from_bits(k[1]) };
                GeomWithData::new([c.x, c.y], c)
            })
            .collect(),
    );
    // Ends to vertices.
    for &(i, last) in ends {
        let c = end(&paths[i], last);
        if !free(uses, c) {
            continue;
        }
        let to = vertices.locate_within_distance([c.x, c.y], tol * tol).map(|v| v.data).filter(|&v| v != c).max_by(
            |a, b| {
                let (ua, ub) = (uses.get(&key(*a)).copied().unwrap_or(0), uses.get(&key(*b)).copied().unwrap_or(0));
                let (da, db) = (Euclidean.distance(&Point(*a), &Point(c)), Euclidean.distance(&Point(*b), &Point(c)));
                ua.cmp(&ub).then(db.total_cmp(&da))
            },
        );
        if let Some(to) = to {
            set_end(&mut paths[i], last, to);
            *uses.entry(key(c)).or_default() -= 1;
            *uses.entry(key(to)).or_default() += 1;
        }
    }
}

/// A coordinate as a key: equal bits, one point.
fn key(c: Coord<f64>) -> [u64; 2] {
    [c.x.to_bits(), c.y.to_bits()]
}

/// No other line (nor this one elsewhere) has this point: an end that meets nothing.
fn free(uses: &FxHashMap<[u64; 2], u32>, c: Coord<f64>) -> bool {
    uses.get(&key(c)).copied().unwrap_or(0) <= 1
}

fn end(p: &[Coord<f64>], last: bool) -> Coord<f64> {
    if last {
        p[p.len() - 1]
    } else {
        p[0]
    }
}

fn set_end(p: &mut [Coord<f64>], last: bool, c: Coord<f64>) {
    let n = p.len();
    p[if last { n - 1 } else { 0 }] = c;
}

/// Every drawn segment with its line's element id, for naming loose lines.
fn segment_index(lines: &[DrawnLine]) -> RTree<GeomWithData<Line<f64>, u64>> {
    RTree::bulk_load(
        lines
            .iter()
            .flat_map(|l| l.coords.windows(2).map(move |w| GeomWithData::new(Line::new(w[0], w[1]), l.element)))
            .collect(),
    )
}

fn line_string(p: &[Coord<f64>]) -> Result<GeosGeometry, geos::Error> {
    let flat: Vec<[f64; 2]> = p.iter().map(|c| [c.x, c.y]).collect();
    GeosGeometry::create_line_string(CoordSeq::new_from_vec(&flat)?)
}

fn coords_of(g: &impl Geom) -> Result<Vec<Coord<f64>>, geos::Error> {
    let flat = g.get_coord_seq()?.as_buffer(Some(geos::CoordType::XY))?;
    Ok(flat.chunks_exact(2).map(|c| Coord { x: c[0], y: c[1] }).collect())
}

/// The polygons of a GEOS collection of polygons.
fn polygons_of(g: &GeosGeometry) -> Result<Vec<Polygon<f64>>, geos::Error> {
    let mut out = Vec::new();
    for i in 0..g.get_num_geometries()? {
        let p = g.get_geometry_n(i)?;
        let exterior = LineString(coords_of(&p.get_exterior_ring()?)?);
        let mut holes = Vec::new();
        for h in 0..p.get_num_interior_rings()? {
            holes.push(LineString(coords_of(&p.get_interior_ring_n(h)?)?));
        }
        out.push(Polygon::new(exterior, holes));
    }
    Ok(out)
}

/// The line strings of a GEOS collection of lines.
fn line_strings_of(g: &GeosGeometry) -> Result<Vec<LineString<f64>>, geos::Error> {
    let mut out = Vec::new();
    for i in 0..g.get_num_geometries()? {
        let l = g.get_geometry_n(i)?;
        let c = coords_of(&l)?;
        if c.len() >= 2 {
            out.push(LineString(c));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
