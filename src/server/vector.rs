//! The source's vector tiles: layers `parcels`, `conflicts` and `groups`, optionally cut to one residential
//! group. Features are found through the R-trees (no scan of the whole dataset per tile), clipped with the
//! tile buffer, quantised and encoded (see [`crate::tiles`]).
//!
//! Every tile is held to [`TILE_BUDGET`] bytes. The `groups` layer (outlines and labels; 201 kB for the 2,249
//! groups of a 1M-parcel commune) is always whole. The `conflicts` layer is complete from
//! [`CONFLICTS_COMPLETE_ZOOM`]: never thinned there. Below it, conflicts are taken errors first, then warnings,
//! each in the report's order, until the next one would take the layer beyond half of what the groups leave.
//! The `parcels` layer gets what is left: parcels are taken in the order of [`super::source::parcel_rank`]
//! (status 3, then parcels in a conflict, then status 2, then status 1; larger first within each) until the
//! next one would not fit. A tile that fits is therefore complete and exact; only tiles of dense places at
//! low zooms are thinned.

use geo::Point;
use rstar::AABB;

use super::source::{Drawn, Source};
use crate::tiles::encode::{encode, Added};
use crate::tiles::quantize::{point, polygons};
use crate::tiles::{Cut, LayerBuilder, Property, TileId, BUFFER, TILE_BUDGET};

/// A layer of the tiles, with the zooms it appears at and its fields (for TileJSON).
pub struct LayerSpec {
    pub(crate) id: &'static str,
    pub(crate) minzoom: u8,
    pub(crate) maxzoom: u8,
    pub(crate) description: &'static str,
    pub(crate) fields: &'static [(&'static str, &'static str)],
}

/// From this zoom the `conflicts` layer holds every conflict drawn in the tile, whatever the budget.
pub const CONFLICTS_COMPLETE_ZOOM: u8 = 15;

/// Parcels appear from zoom 14 (a 2.4 km tile), conflicts from 10 (complete from 15), groups with their
/// scorecards up to 15.
pub const LAYERS: [LayerSpec; 3] = [
    LayerSpec {
        id: "parcels",
        minzoom: 14,
        maxzoom: crate::tiles::MAX_ZOOM,
        description: "mapped parcels with their campaign status; where a tile would exceed 500 kB (dense places at \
                      zooms 14-15), status 3, then parcels in conflict, then status 2, then status 1, larger first",
        fields: &[
            ("id", "String: parcel id"),
            ("sheet", "Number: map sheet"),
            ("parcel_no", "Number: parcel number on the sheet"),
            ("land_use", "String: land-use code"),
            ("status", "Number: campaign status 1, 2 or 3"),
            ("group", "String: residential group"),
            ("area", "Number: mapped ground area, m2"),
        ],
    },
    LayerSpec {
        id: "conflicts",
        minzoom: 10,
        maxzoom: crate::tiles::MAX_ZOOM,
        description: "conflicts found by the check (drawn as the parcel, the overlap area or a point); complete \
                      from zoom 15, below errors first within half of a 500 kB tile",
        fields: &[
            ("id", "String: stable conflict id"),
            ("kind", "String: conflict kind"),
            ("severity", "String: error or warning"),
            ("measure", "Number: the kind's measure (area, ratio or score)"),
            ("parcel_ids", "String: parcel ids, ;-separated"),
            ("cert_ids", "String: certificate ids, ;-separated"),
            ("group", "String: residential group"),
            ("status", "String: review status (open, acknowledged, resolved, waived)"),
        ],
    },
    LayerSpec {
        id: "groups",
        minzoom: 0,
        maxzoom: 15,
        description: "residential group outlines and label points with the group's scorecard",
        fields: &[
            ("name", "String: residential group"),
            ("parcels", "Number: parcels in the group"),
            ("status_1", "Number: parcels with status 1 (usable as is)"),
            ("status_2", "Number: parcels with status 2 (usable after correction)"),
            ("status_3", "Number: parcels with status 3 (to be rebuilt)"),
            ("conflicts", "Number: conflicts in the group"),
            ("role", "String: outline or label"),
        ],
    },
];

fn shows(layer: &LayerSpec, z: u8) -> bool {
    (layer.minzoom..=layer.maxzoom).contains(&z)
}

/// Encodes tile `t` of the source, cut to the groups of `cut`, within [`TILE_BUDGET`] bytes (see the
/// module's documentation for what is kept first).
pub fn render(src: &Source, t: TileId, cut: &Cut) -> Vec<u8> {
    let area = t.buffered_bounds(BUFFER);
    let envelope = AABB::from_corners([area.min().x, area.min().y], [area.max().x, area.max().y]);
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;

    let mut groups = LayerBuilder::new("groups");
    if shows(&LAYERS[2], t.z) {
        for (gi, g) in src.groups.iter().enumerate() {
            if !cut.admits(Some(gi as u32)) {
                continue;
            }
            let conflicts: usize = g.conflicts_by_kind.values().sum();
            let [s1, s2, s3] = g.by_status;
            let props = |role| {
                [
                    ("name", Some(Property::Str(&g.name))),
                    ("parcels", Some(Property::Int(g.parcels as i64))),
                    ("status_1", Some(Property::Int(s1 as i64))),
                    ("status_2", Some(Property::Int(s2 as i64))),
                    ("status_3", Some(Property::Int(s3 as i64))),
                    ("conflicts", Some(Property::Int(conflicts as i64))),
                    ("role", Some(Property::Str(role))),
                ]
            };
            let near = g.bbox.is_some_and(|b| geo::Intersects::intersects(&b, &area));
            if let Some(outline) = g.outline.as_ref().filter(|_| near).and_then(|o| polygons(o, t, BUFFER)) {
                groups.add(2 * gi as u64 + 1, outline, &props("outline"));
            }
            if let Some(label) = g.label.and_then(|p: Point<f64>| point(p, t, 0.0)) {
                groups.add(2 * gi as u64 + 2, label, &props("label"));
            }
        }
    }

    let mut conflicts = LayerBuilder::new("conflicts");
    if shows(&LAYERS[1], t.z) {
        let complete = t.z >= CONFLICTS_COMPLETE_ZOOM;
        // Below the complete zoom, conflicts may take half of what the groups leave, parcels the rest.
        let spent = groups.tile_bytes();
        let limit = if complete { usize::MAX } else { TILE_BUDGET.saturating_sub(spent) / 2 };
        // Errors first, then warnings, each in the reconciliation's order.
        let mut found: Vec<(bool, u32, u32)> = src
            .conflict_tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(|e| cut.admits(src.conflict_group[e.data as usize]))
            .map(|e| {
                let warning = rec.conflicts[e.data as usize].kind.severity() == crate::conflict::Severity::Warning;
                (!complete && warning, src.conflict_rank[e.data as usize], e.data)
            })
            .collect();
        found.sort_unstable();
        for (_, _, ci) in found {
            let ci = ci as usize;
            let drawn = match &src.conflict_geometry[ci] {
                Drawn::None => None,
                Drawn::Parcel(i) => src.parcel_geometry[*i].as_ref().and_then(|g| polygons(g, t, BUFFER)),
                // An area too small to keep a shape at this zoom (a gap, a thin overlap) is drawn as a point:
                // every conflict stays on the map.
                Drawn::Area(g) => polygons(g, t, BUFFER)
                    .or_else(|| geo::InteriorPoint::interior_point(g).and_then(|p| point(p, t, BUFFER))),
                Drawn::Point(p) => point(*p, t, BUFFER),
            };
            let Some(g) = drawn else { continue };
            let c = &rec.conflicts[ci];
            let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
            let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
            let (pids, cids) = (pids.join(";"), cids.join(";"));
            let group_name = src.conflict_group[ci].map(|g| src.groups[g as usize].name.as_str());
            let props = [
                ("id", Some(Property::Unique(&src.conflict_ids[ci]))),
                ("kind", Some(Property::Str(c.kind.as_str()))),
                ("severity", Some(Property::Str(c.kind.severity().as_str()))),
                ("measure", c.measure.filter(|m| m.is_finite()).map(Property::Double)),
                ("parcel_ids", Some(Property::Str(&pids))),
                ("cert_ids", Some(Property::Str(&cids))),
                ("group", group_name.map(Property::Str)),
                ("status", Some(Property::Str(src.review(ci).as_str()))),
            ];
            if conflicts.add_within(ci as u64 + 1, g, &props, limit) == Added::OverLimit {
                break;
            }
        }
    }

    let mut parcels = LayerBuilder::new("parcels");
    if shows(&LAYERS[0], t.z) {
        let limit = TILE_BUDGET.saturating_sub(groups.tile_bytes() + conflicts.tile_bytes());
        let mut found: Vec<u32> = src
            .parcel_tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(|e| cut.admits(src.parcel_group[e.data as usize]))
            .map(|e| e.data)
            .collect();
        // A tile of few parcels almost always fits: they are drawn in dataset order (neighbours in memory), and
        // only if one does not fit after all is the layer drawn again in the thinning order.
        let mut thinning = found.len() > FEW_PARCELS;
        if !thinning {
            found.sort_unstable();
            thinning = !add_parcels(src, t, &found, &mut parcels, limit);
            if thinning {
                parcels = LayerBuilder::new("parcels");
            }
        }
        if thinning {
            let keys: Vec<(u8, f64)> = found.iter().map(|&i| src.rank_of(i as usize)).collect();
            let mut order: Vec<usize> = (0..found.len()).collect();
            order.sort_unstable_by(|&a, &b| super::source::rank_order(keys[a], keys[b]).then(found[a].cmp(&found[b])));
            found = order.into_iter().map(|k| found[k]).collect();
            add_parcels(src, t, &found, &mut parcels, limit);
        }
    }
    encode(vec![parcels, conflicts, groups])
}

/// Up to this many parcels meeting a tile, the tile is first drawn in dataset order (see [`render`]): a z16
/// tile of the densest generated commune holds 3,156 parcels in 300 kB.
const FEW_PARCELS: usize = 4096;

/// Adds `parcels` in the order given while the layer stays within `limit`; false when one did not fit (the
/// layer then holds those before it).
fn add_parcels(src: &Source, t: TileId, parcels: &[u32], l: &mut LayerBuilder, limit: usize) -> bool {
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;
    for &i in parcels {
        let i = i as usize;
        let Some(g) = src.parcel_geometry[i].as_ref().and_then(|g| polygons(g, t, BUFFER)) else { continue };
        let p = &ds.parcels[i];
        let area_m2 = p.area_m2.map(|a| (a * 100.0).round() / 100.0);
        let props = [
            ("id", Some(Property::Unique(&p.id))),
            ("sheet", p.sheet.map(Property::Int)),
            ("parcel_no", p.parcel_no.map(Property::Int)),
            ("land_use", p.land_use.as_deref().map(Property::Str)),
            ("status", Some(Property::Int(i64::from(rec.statuses[i].status)))),
            ("group", p.group.as_deref().map(Property::Str)),
            ("area", area_m2.map(Property::Double)),
        ];
        if l.add_within(i as u64 + 1, g, &props, limit) == Added::OverLimit {
            return false;
        }
    }
    true
}
