//! The served data: a checked dataset with its geometry reprojected once to Web Mercator, R-trees over it,
//! conflict ids, per-parcel conflict lists, the per-group scorecard and each conflict's review status. One
//! [`Source`] per load; a reload builds a new one (with a new, empty tile cache) and swaps it in. A review
//! changes one conflict's status in place and drops only the cached tiles that draw it.

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, InteriorPoint, Intersects, LineString, MultiPolygon, Point, Polygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use rustc_hash::FxHashMap;

use crate::check::Checked;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::crs::Frame;
use crate::dataset::Parcel;
use crate::review::{ReviewStatus, Reviews};
use crate::tiles::grid::{lonlat_to_mercator, mercator_to_lonlat};
use crate::tiles::{TileCache, BUFFER};

/// An R-tree entry: a Web Mercator envelope and a position.
pub type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A conflict's drawing in Web Mercator.
#[derive(Debug, Clone)]
pub enum Drawn {
    /// Nothing to draw.
    None,
    /// The geometry of the parcel at this position.
    Parcel(usize),
    /// An area of its own (see [`ConflictGeometry::Area`]).
    Area(MultiPolygon<f64>),
    /// A point (see [`ConflictGeometry::Point`]).
    Point(Point<f64>),
}

impl Drawn {
    /// A conflict's geometry as drawn in Web Mercator (nothing when it cannot be transformed).
    pub(super) fn of(frame: &Frame, g: &ConflictGeometry) -> Drawn {
        match g {
            ConflictGeometry::None => Drawn::None,
            ConflictGeometry::Parcel(i) => Drawn::Parcel(*i),
            ConflictGeometry::Area(g) => to_mercator(frame, g).map_or(Drawn::None, Drawn::Area),
            ConflictGeometry::Point(p) => point_to_mercator(frame, *p).map_or(Drawn::None, Drawn::Point),
        }
    }

    /// Its envelope, the parcels' Web Mercator geometry `parcels` given.
    pub(super) fn envelope(&self, parcels: &[Option<MultiPolygon<f64>>]) -> Option<Rect<f64>> {
        match self {
            Drawn::None => None,
            Drawn::Parcel(i) => parcels.get(*i)?.as_ref()?.bounding_rect(),
            Drawn::Area(g) => g.bounding_rect(),
            Drawn::Point(p) => Some(Rect::new(p.0, p.0)),
        }
    }
}

/// The smallest box holding `a` (when given) and `b`.
pub(super) fn union(a: Option<Rect<f64>>, b: Rect<f64>) -> Rect<f64> {
    a.map_or(b, |a| crate::topology::rect_union(a, b))
}

/// A residential group as served: its outline (the boundary file's polygon, or else the envelope of its
/// parcels), a label point and its scorecard.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub(crate) name: String,
    pub(crate) outline: Option<MultiPolygon<f64>>,
    /// The outline's envelope.
    pub bbox: Option<Rect<f64>>,
    pub(crate) label: Option<Point<f64>>,
    /// The outline is the envelope of the group's parcels (the dataset has no boundary for it).
    pub(crate) drawn_from_parcels: bool,
    pub(crate) parcels: usize,
    /// Parcels with status 1, 2, 3.
    pub by_status: [usize; 3],
    pub(crate) conflicts_by_kind: BTreeMap<&'static str, usize>,
}

impl GroupInfo {
    /// Group `name` without outline, parcels or conflicts yet.
    pub(super) fn named(name: &str) -> GroupInfo {
        GroupInfo {
            name: name.to_string(),
            outline: None,
            bbox: None,
            label: None,
            drawn_from_parcels: false,
            parcels: 0,
            by_status: [0; 3],
            conflicts_by_kind: BTreeMap::new(),
        }
    }
}

/// Everything a request reads. Immutable while served: an edit changes the spare copy the server keeps
/// ([`Source::sync`], in `sync.rs`) and swaps it in; a review changes a status in place.
pub struct Source {
    /// The checked dataset served, in its planar frame (`parcel_geometry` holds the Web Mercator copies).
    pub checked: Checked,
    /// Parcel geometry in Web Mercator (None: missing or not transformable).
    pub parcel_geometry: Vec<Option<MultiPolygon<f64>>>,
    pub(crate) parcel_tree: RTree<Entry>,
    /// Each parcel's group as a position in `groups`.
    pub parcel_group: Vec<Option<u32>>,
    pub(crate) parcel_by_id: FxHashMap<String, u32>,
    /// Parcels retired by an edit since the data were loaded: kept in place (without geometry, group or id
    /// entry) so that positions stay valid, and left out of every list.
    pub(crate) retired: Vec<bool>,
    /// Conflicts each parcel takes part in (positions in the reconciliation's list).
    pub parcel_conflicts: Vec<Vec<u32>>,
    /// Conflicts each certificate takes part in.
    pub cert_conflicts: Vec<Vec<u32>>,
    /// The conflicts present, in the report's order (positions in the reconciliation's list; an edit frees
    /// some positions and fills others, see [`Source::conflict_order`]).
    pub(crate) conflict_order: Vec<u32>,
    /// Each position's place in `conflict_order` (`u32::MAX`: free).
    pub(crate) conflict_rank: Vec<u32>,
    /// Positions of the list that hold no conflict (freed by an edit), to be taken again.
    pub(crate) conflict_free: Vec<u32>,
    /// Each conflict's drawing's envelope (Web Mercator), as entered in `conflict_tree`.
    pub(crate) conflict_box: Vec<Option<Rect<f64>>>,
    pub(crate) conflict_ids: Vec<String>,
    pub(crate) conflict_by_id: FxHashMap<String, u32>,
    pub(crate) conflict_group: Vec<Option<u32>>,
    pub(crate) conflict_geometry: Vec<Drawn>,
    pub(crate) conflict_tree: RTree<Entry>,
    /// Each conflict's review status (all open unless served from the store).
    pub reviews: Reviews,
    /// Residential groups in the order first met: the boundary file's, then those named only by parcels.
    pub groups: Vec<GroupInfo>,
    pub(crate) group_by_name: FxHashMap<String, u32>,
    /// Longitude/latitude box of the parcels: west, south, east, north.
    pub bounds: [f64; 4],
    /// A tag of this load, part of every ETag.
    pub generation: u64,
    pub(crate) tiles: TileCache,
}

pub(super) fn envelope(r: Rect<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// A planar geometry in Web Mercator; None when a coordinate cannot be transformed.
pub(super) fn to_mercator(frame: &Frame, g: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let ring = |r: &LineString<f64>| -> Option<LineString<f64>> {
        r.0.iter()
            .map(|c| {
                let (lon, lat) = frame.to_wgs84(c.x, c.y).ok()?;
                let (x, y) = lonlat_to_mercator(lon, lat);
                (x.is_finite() && y.is_finite()).then_some(Coord { x, y })
            })
            .collect::<Option<Vec<_>>>()
            .map(LineString)
    };
    g.0.iter()
        .map(|p| Some(Polygon::new(ring(p.exterior())?, p.interiors().iter().map(ring).collect::<Option<_>>()?)))
        .collect::<Option<Vec<_>>>()
        .map(MultiPolygon)
}

fn point_to_mercator(frame: &Frame, p: Point<f64>) -> Option<Point<f64>> {
    let (lon, lat) = frame.to_wgs84(p.x(), p.y()).ok()?;
    let (x, y) = lonlat_to_mercator(lon, lat);
    (x.is_finite() && y.is_finite()).then(|| Point::new(x, y))
}

/// The thinning order of parcels, as each parcel's rank (0 first), from each parcel's (status, in a conflict,
/// mapped area): status 3 (to be rebuilt) first, then parcels in a conflict, then status 2, then the rest
/// (status 1); within each class the larger parcel first (as tippecanoe drops the smallest features first),
/// then dataset order.
///
/// ```
/// use thuadat::server::source::parcel_rank;
/// let ranks = parcel_rank([(1, false, Some(50.0)), (1, false, Some(80.0)), (2, true, None), (3, false, Some(1.0)), (2, false, None)].into_iter());
/// assert_eq!(ranks, vec![4, 3, 1, 0, 2]);
/// ```
pub fn parcel_rank(parcels: impl Iterator<Item = (u8, bool, Option<f64>)>) -> Vec<u32> {
    let keys: Vec<(u8, f64)> = parcels.map(|(status, in_conflict, area)| rank_key(status, in_conflict, area)).collect();
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by(|&a, &b| rank_order(keys[a as usize], keys[b as usize]).then(a.cmp(&b)));
    let mut rank = vec![0u32; keys.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// A parcel's key in the thinning order of [`parcel_rank`]: its class (0 first) and its mapped area.
pub fn rank_key(status: u8, in_conflict: bool, area: Option<f64>) -> (u8, f64) {
    let class = match (status, in_conflict) {
        (3, _) => 0,
        (_, true) => 1,
        (2, _) => 2,
        _ => 3,
    };
    (class, area.filter(|a| a.is_finite()).unwrap_or(0.0))
}

/// Compares two keys of [`rank_key`]: the lower class first, then the larger area.
pub fn rank_order(a: (u8, f64), b: (u8, f64)) -> std::cmp::Ordering {
    a.0.cmp(&b.0).then(b.1.total_cmp(&a.1))
}

impl Source {
    /// Reprojects and indexes a checked dataset.
    pub fn new(checked: Checked, cache_bytes: usize) -> Source {
        let ds = &checked.dataset;
        let rec = &checked.reconciliation;
        let frame = &ds.frame;
        let parcel_geometry: Vec<Option<MultiPolygon<f64>>> =
            ds.parcels.par_iter().map(|p| p.geometry.as_ref().and_then(|g| to_mercator(frame, g))).collect();
        let parcel_tree = RTree::bulk_load(
            parcel_geometry
                .iter()
                .enumerate()
                .filter_map(|(i, g)| Some(GeomWithData::new(envelope(g.as_ref()?.bounding_rect()?), i as u32)))
                .collect(),
        );

        // Groups: the boundary file's, then any group named only by parcels.
        let mut group_by_name: FxHashMap<String, u32> = FxHashMap::default();
        let mut groups: Vec<GroupInfo> = Vec::new();
        let mut group_of = |name: &str, groups: &mut Vec<GroupInfo>| -> u32 {
            *group_by_name.entry(name.to_string()).or_insert_with(|| {
                groups.push(GroupInfo::named(name));
                (groups.len() - 1) as u32
            })
        };
        for g in &ds.groups {
            let gi = group_of(&g.name, &mut groups) as usize;
            if let Some(m) = to_mercator(frame, &g.geometry) {
                groups[gi].label = m.interior_point();
                groups[gi].outline = Some(m);
            }
        }
        let parcel_group: Vec<Option<u32>> =
            ds.parcels.iter().map(|p| p.group.as_deref().map(|name| group_of(name, &mut groups))).collect();
        let mut extents: Vec<Option<Rect<f64>>> = vec![None; groups.len()];
        for (i, gi) in parcel_group.iter().enumerate() {
            let Some(gi) = gi else { continue };
            let g = &mut groups[*gi as usize];
            g.parcels += 1;
            let s = rec.statuses[i].status;
            if (1..=3).contains(&s) {
                g.by_status[usize::from(s - 1)] += 1;
            }
            if let Some(r) = parcel_geometry[i].as_ref().and_then(|m| m.bounding_rect()) {
                let e = &mut extents[*gi as usize];
                *e = Some(union(*e, r));
            }
        }
        for (g, e) in groups.iter_mut().zip(extents) {
            if let (None, Some(r)) = (&g.outline, e) {
                g.outline = Some(MultiPolygon(vec![r.to_polygon()]));
                g.label = Some(r.center().into());
                g.drawn_from_parcels = true;
            }
            g.bbox = g.outline.as_ref().and_then(|o| o.bounding_rect());
        }

        // Conflicts: ids, groups, drawings. A conflict's group is its first parcel's (as in the report); a
        // certificate that points at no mapped parcel (`unmatched_certificate`) belongs to the group of its best
        // candidate parcel, so that some group's work list leads to it. Those with neither are "not located".
        let pid = |i: &usize| ds.parcels[*i].id.as_str();
        let conflict_ids: Vec<String> = rec
            .conflicts
            .iter()
            .map(|c| {
                let pids: Vec<&str> = c.parcels.iter().map(pid).collect();
                let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
                c.id(&pids, &cids)
            })
            .collect();
        let conflict_group: Vec<Option<u32>> =
            rec.conflicts.iter().map(|c| c.located_at().and_then(|i| parcel_group[i])).collect();
        for (c, g) in rec.conflicts.iter().zip(&conflict_group) {
            if let Some(g) = g {
                *groups[*g as usize].conflicts_by_kind.entry(c.kind.as_str()).or_default() += 1;
            }
        }
        let conflict_geometry: Vec<Drawn> = rec.conflicts.par_iter().map(|c| Drawn::of(frame, &c.geometry)).collect();
        let conflict_box: Vec<Option<Rect<f64>>> =
            conflict_geometry.iter().map(|d| d.envelope(&parcel_geometry)).collect();
        let conflict_tree = RTree::bulk_load(
            conflict_box
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some(GeomWithData::new(envelope((*r)?), i as u32)))
                .collect(),
        );
        let mut parcel_conflicts = vec![Vec::new(); ds.parcels.len()];
        let mut cert_conflicts = vec![Vec::new(); ds.certificates.certificates.len()];
        for (ci, c) in rec.conflicts.iter().enumerate() {
            for &p in &c.parcels {
                parcel_conflicts[p].push(ci as u32);
            }
            for &k in &c.certificates {
                cert_conflicts[k].push(ci as u32);
            }
        }
        let parcel_by_id = ds.parcels.iter().enumerate().map(|(i, p)| (p.id.to_string(), i as u32)).collect();
        let conflict_by_id = conflict_ids.iter().enumerate().map(|(i, id)| (id.clone(), i as u32)).collect();

        let env = parcel_tree.root().envelope();
        let bounds = if parcel_tree.size() == 0 {
            [-180.0, -85.0, 180.0, 85.0]
        } else {
            let (w, s) = mercator_to_lonlat(env.lower()[0], env.lower()[1]);
            let (e, n) = mercator_to_lonlat(env.upper()[0], env.upper()[1]);
            [w, s, e, n]
        };
        let generation =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Source {
            parcel_geometry,
            parcel_tree,
            parcel_group,
            parcel_by_id,
            retired: vec![false; ds.parcels.len()],
            parcel_conflicts,
            cert_conflicts,
            conflict_order: (0..rec.conflicts.len() as u32).collect(),
            conflict_rank: (0..rec.conflicts.len() as u32).collect(),
            conflict_free: Vec::new(),
            conflict_box,
            conflict_ids,
            conflict_by_id,
            conflict_group,
            conflict_geometry,
            conflict_tree,
            reviews: Reviews::open(rec.conflicts.len()),
            groups,
            group_by_name,
            bounds,
            generation,
            tiles: TileCache::new(cache_bytes),
            checked,
        }
    }

    /// The dataset's parcels, in file order, with those retired by edits in place ([`Source::is_retired`]).
    pub fn parcels(&self) -> &[Parcel] {
        &self.checked.dataset.parcels
    }

    /// True when parcel `i` was retired by an edit: it is in no list, tile or count.
    pub fn is_retired(&self, i: usize) -> bool {
        self.retired.get(i).copied().unwrap_or(false)
    }

    /// The parcels served (not retired), in file order.
    pub fn parcels_served(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.parcels().len()).filter(|&i| !self.is_retired(i))
    }

    /// How many parcels are served.
    pub fn parcel_count(&self) -> usize {
        self.parcel_by_id.len()
    }

    /// The reconciliation's conflicts by position; a position an edit freed holds an empty placeholder. List
    /// them through [`Source::conflict_order`].
    pub fn conflicts(&self) -> &[Conflict] {
        &self.checked.reconciliation.conflicts
    }

    /// The positions of the conflicts present, in the report's order (by kind, then parcel ids, then
    /// certificate ids).
    pub fn conflict_order(&self) -> &[u32] {
        &self.conflict_order
    }

    /// How many conflicts there are.
    pub fn conflict_count(&self) -> usize {
        self.conflict_order.len()
    }

    /// Parcel `i`'s key in the thinning order of tiles ([`rank_key`]).
    pub fn rank_of(&self, i: usize) -> (u8, f64) {
        let status = self.checked.reconciliation.statuses[i].status;
        rank_key(status, !self.parcel_conflicts[i].is_empty(), self.checked.dataset.parcels[i].area_m2)
    }

    /// A copy to change while this one is served (the tile cache starts empty; review statuses copied).
    pub fn duplicate(&self) -> Source {
        let reviews = Reviews::open(self.conflicts().len());
        for ci in 0..self.conflicts().len() {
            reviews.set(ci, self.reviews.get(ci));
        }
        Source {
            checked: self.checked.clone(),
            parcel_geometry: self.parcel_geometry.clone(),
            parcel_tree: self.parcel_tree.clone(),
            parcel_group: self.parcel_group.clone(),
            parcel_by_id: self.parcel_by_id.clone(),
            retired: self.retired.clone(),
            parcel_conflicts: self.parcel_conflicts.clone(),
            cert_conflicts: self.cert_conflicts.clone(),
            conflict_order: self.conflict_order.clone(),
            conflict_rank: self.conflict_rank.clone(),
            conflict_free: self.conflict_free.clone(),
            conflict_box: self.conflict_box.clone(),
            conflict_ids: self.conflict_ids.clone(),
            conflict_by_id: self.conflict_by_id.clone(),
            conflict_group: self.conflict_group.clone(),
            conflict_geometry: self.conflict_geometry.clone(),
            conflict_tree: self.conflict_tree.clone(),
            reviews,
            groups: self.groups.clone(),
            group_by_name: self.group_by_name.clone(),
            bounds: self.bounds,
            generation: self.generation,
            tiles: TileCache::new(self.tiles.capacity()),
        }
    }

    /// Parcels whose Web Mercator envelope meets the box, in dataset order.
    pub fn parcels_in(&self, b: Rect<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .parcel_tree
            .locate_in_envelope_intersecting(&AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]))
            .map(|e| e.data as usize)
            .collect();
        v.sort_unstable();
        v
    }

    /// Conflicts whose drawing's envelope meets the box, in the report's order.
    pub fn conflicts_in(&self, b: Rect<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .conflict_tree
            .locate_in_envelope_intersecting(&AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]))
            .map(|e| e.data as usize)
            .collect();
        v.sort_unstable_by_key(|&ci| self.conflict_rank[ci]);
        v
    }

    /// A conflict's drawing as a Web Mercator geometry.
    pub fn conflict_drawing(&self, ci: usize) -> Option<geo::Geometry<f64>> {
        match self.conflict_geometry.get(ci)? {
            Drawn::None => None,
            Drawn::Parcel(i) => self.parcel_geometry.get(*i)?.clone().map(geo::Geometry::MultiPolygon),
            Drawn::Area(g) => Some(geo::Geometry::MultiPolygon(g.clone())),
            Drawn::Point(p) => Some(geo::Geometry::Point(*p)),
        }
    }

    /// Conflict `ci`'s review status.
    pub fn review(&self, ci: usize) -> ReviewStatus {
        self.reviews.get(ci)
    }

    /// Sets the review status of the conflict with stable id `id` and drops the cached tiles that draw it (of
    /// every group cut); false when this source has no such conflict.
    pub fn set_review(&self, id: &str, status: ReviewStatus) -> bool {
        let Some(&ci) = self.conflict_by_id.get(id) else { return false };
        let ci = ci as usize;
        self.reviews.set(ci, status);
        if let Some(r) = self.conflict_drawing(ci).and_then(|g| g.bounding_rect()) {
            self.tiles.remove_where(|(t, _)| t.buffered_bounds(BUFFER).intersects(&r));
        }
        true
    }

    /// Sets the review statuses read from the store (conflicts this source does not have are left out);
    /// returns how many were set.
    pub fn apply_reviews<'a>(&self, stored: impl IntoIterator<Item = (&'a str, ReviewStatus)>) -> usize {
        stored
            .into_iter()
            .filter(|(id, status)| {
                self.conflict_by_id.get(*id).is_some_and(|&ci| self.reviews.set(ci as usize, *status))
            })
            .count()
    }

    /// The conflict's detail sentence, unless it could carry personal data (the holder kinds compare holder
    /// names and citizen ids): those are withheld until authorisation exists.
    pub fn public_detail(&self, ci: usize) -> Option<&str> {
        let c = self.conflicts().get(ci)?;
        match c.kind {
            Kind::HolderIdInvalid | Kind::HolderNotFound | Kind::HolderMismatch => None,
            _ => Some(c.detail.as_str()),
        }
    }
}
