//! The truth about gaps: which holes the map has, and the parcels around each.
//!
//! Two kinds of holes are known from the planting. A planted gap lies between two parcels only (the planting
//! keeps it a metre from any other). A parcel whose geometry was made invalid leaves uncovered what its
//! repaired geometry does not cover: all of it when it has none (null, two points), the two triangles beside
//! its lobes when it is a bow tie. Those holes are worked out here from the rings as laid out, in whole
//! millimetres: the ground the parcel covered less what the parcels there cover now, each piece kept when no
//! edge of that ground opens it to land no parcel covers (a road) and its area fits the rule.

use geo::{Area, BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, LineString, MultiPolygon, Point};
use geo::{Polygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::layout::{Geom, Layout, Pt};
use crate::reconcile::gap::UnionFind;

/// A hole and the parcels (indices) around it.
pub(crate) struct Hole {
    pub parcels: Vec<u32>,
}

/// Limits of the rule, m2 (`overlap_min_area_m2`, `gap_max_area_m2`).
const MIN: f64 = 0.5;
const MAX: f64 = 50.0;
/// Parcels within this of a hole (mm) are around it.
const CONTACT_MM: f64 = 1.0;

fn polygon(ring: &[Pt]) -> Polygon<f64> {
    let mut c: Vec<Coord<f64>> = ring.iter().map(|p| Coord { x: p[0] as f64, y: p[1] as f64 }).collect();
    if let Some(&first) = c.first() {
        c.push(first);
    }
    Polygon::new(LineString(c), vec![])
}

/// What parcel `i` covers now (its repaired geometry: a bow tie covers its two lobes).
fn cover(lay: &Layout, i: usize) -> Option<MultiPolygon<f64>> {
    let p = &lay.parcels[i];
    match p.geom {
        Geom::Valid | Geom::Unclosed => Some(MultiPolygon(vec![polygon(lay.ring(i))])),
        Geom::BowTie => {
            // Its ring crosses itself once: the lobes are what even-odd filling of it covers.
            let ring = polygon(lay.ring(i));
            let empty = MultiPolygon::<f64>(vec![]);
            Some(MultiPolygon(vec![ring]).union(&empty))
        }
        Geom::TwoPoints | Geom::Null => None,
    }
}

/// The holes that the planted gaps and the invalid parcels leave, with the parcels around each; decisions too
/// close to the limits are added to `near`.
pub(crate) fn holes(
    lay: &Layout,
    gaps: &[(u32, u32)],
    originals: &[(u32, Vec<Pt>)],
    near: &mut Vec<String>,
) -> Vec<Hole> {
    let mut out: Vec<Hole> = gaps.iter().map(|&(a, b)| Hole { parcels: vec![a.min(b), a.max(b)] }).collect();
    if originals.is_empty() {
        return out;
    }
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, u32>> = (0..lay.parcels.len())
        .filter_map(|i| {
            let r = polygon(lay.ring(i)).bounding_rect()?;
            Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i as u32))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let meeting = |r: Rect<f64>| -> Vec<usize> {
        let env = AABB::from_corners(
            [r.min().x - CONTACT_MM, r.min().y - CONTACT_MM],
            [r.max().x + CONTACT_MM, r.max().y + CONTACT_MM],
        );
        let mut v: Vec<usize> = tree.locate_in_envelope_intersecting(&env).map(|e| e.data as usize).collect();
        v.sort_unstable();
        v
    };
    let covered = |pt: Point<f64>| -> bool {
        let env = AABB::from_point([pt.x(), pt.y()]);
        tree.locate_in_envelope_intersecting(&env).any(|e| cover(lay, e.data as usize).is_some_and(|g| g.contains(&pt)))
    };

    // Invalid parcels that touch each other leave one hole between them: grouped.
    let of: std::collections::HashMap<u32, usize> = originals.iter().enumerate().map(|(k, (i, _))| (*i, k)).collect();
    let mut group = UnionFind::new(originals.len());
    for (k, (_, ring)) in originals.iter().enumerate() {
        let Some(r) = polygon(ring).bounding_rect() else { continue };
        for j in meeting(r) {
            if let Some(&l) = of.get(&(j as u32)) {
                if Euclidean.distance(&polygon(ring), &polygon(&originals[l].1)) <= CONTACT_MM {
                    group.join(k as u32, l as u32);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
    for k in 0..originals.len() {
        let r = group.root(k as u32);
        groups.entry(r).or_default().push(k);
    }

    for members in groups.values() {
        let ground = members
            .iter()
            .fold(MultiPolygon::<f64>(vec![]), |acc, &k| acc.union(&MultiPolygon(vec![polygon(&originals[k].1)])));
        let Some(r) = ground.bounding_rect() else { continue };
        let around = meeting(r);
        let covers: Vec<(usize, MultiPolygon<f64>)> =
            around.iter().filter_map(|&j| Some((j, cover(lay, j)?))).collect();
        let mut left = ground.clone();
        for (_, g) in &covers {
            left = left.difference(g);
        }
        // Edges of the ground with no parcel beyond them: a piece that reaches one is open to the outside.
        let mut open = Vec::new();
        for p in &ground.0 {
            for e in p.exterior().lines() {
                let (mid, d) = (e.start + (e.end - e.start) * 0.5, e.end - e.start);
                let len = d.x.hypot(d.y);
                if len == 0.0 {
                    continue;
                }
                // Outside is on the right of a counter-clockwise ring.
                let out = Point::from(mid + Coord { x: d.y / len, y: -d.x / len } * 2.0);
                if !covered(out) {
                    open.push(e);
                }
            }
        }
        for piece in left.0 {
            let mm2 = piece.unsigned_area();
            let area = mm2 / 1.0e6;
            if area <= MIN * 0.995 || area > MAX * 1.005 {
                continue;
            }
            if area <= MIN * 1.005 || area > MAX * 0.995 {
                near.push(format!("a hole of {area:.3} m2 next to invalid parcels: near a limit"));
                continue;
            }
            if open.iter().any(|e| Euclidean.distance(e, &piece) <= CONTACT_MM) {
                continue;
            }
            let ring = piece.exterior();
            let parcels: Vec<u32> = covers
                .iter()
                .filter(|(_, g)| Euclidean.distance(ring, g) <= CONTACT_MM)
                .map(|(j, _)| *j as u32)
                .collect();
            out.push(Hole { parcels });
        }
    }
    out
}
