//! The source's vector tiles: layers `parcels`, `conflicts` and `groups`, optionally cut to one residential
//! group. Features are found through the R-trees (no scan of the whole dataset per tile), clipped with the
//! tile buffer, quantised and encoded (see [`crate::tiles`]).

use geo::Point;

use super::source::{Drawn, Source};
use crate::tiles::encode::encode;
use crate::tiles::quantize::{point, polygons};
use crate::tiles::{LayerBuilder, Property, TileId, BUFFER};

/// A layer of the tiles, with the zooms it appears at and its fields (for TileJSON).
pub struct LayerSpec {
    pub id: &'static str,
    pub minzoom: u8,
    pub maxzoom: u8,
    pub description: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
}

/// Parcels appear from zoom 13 (a 5 km tile), conflicts from 10, group outlines up to 15.
pub const LAYERS: [LayerSpec; 3] = [
    LayerSpec {
        id: "parcels",
        minzoom: 13,
        maxzoom: crate::tiles::MAX_ZOOM,
        description: "mapped parcels with their campaign status",
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
        description: "conflicts found by the check (drawn as the parcel, the overlap area or a point)",
        fields: &[
            ("id", "String: stable conflict id"),
            ("kind", "String: conflict kind"),
            ("severity", "String: error or warning"),
            ("measure", "Number: the kind's measure (area, ratio or score)"),
            ("parcel_ids", "String: parcel ids, ;-separated"),
            ("cert_ids", "String: certificate ids, ;-separated"),
            ("group", "String: residential group"),
        ],
    },
    LayerSpec {
        id: "groups",
        minzoom: 0,
        maxzoom: 15,
        description: "residential group outlines and label points",
        fields: &[
            ("name", "String: residential group"),
            ("parcels", "Number: parcels in the group"),
            ("role", "String: outline or label"),
        ],
    },
];

fn shows(layer: &LayerSpec, z: u8) -> bool {
    (layer.minzoom..=layer.maxzoom).contains(&z)
}

/// Encodes tile `t` of the source, cut to group `group` when given.
pub fn render(src: &Source, t: TileId, group: Option<u32>) -> Vec<u8> {
    let area = t.buffered_bounds(BUFFER);
    let mut layers = Vec::with_capacity(3);
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;

    if shows(&LAYERS[0], t.z) {
        let mut l = LayerBuilder::new("parcels");
        for i in src.parcels_in(area) {
            if group.is_some() && src.parcel_group[i] != group {
                continue;
            }
            let Some(g) = src.parcel_geometry[i].as_ref().and_then(|g| polygons(g, t, BUFFER)) else { continue };
            let p = &ds.parcels[i];
            let area_m2 = p.area_m2.map(|a| (a * 100.0).round() / 100.0);
            l.add(
                i as u64 + 1,
                g,
                &[
                    ("id", Some(Property::Unique(&p.id))),
                    ("sheet", p.sheet.map(Property::Int)),
                    ("parcel_no", p.parcel_no.map(Property::Int)),
                    ("land_use", p.land_use.as_deref().map(Property::Str)),
                    ("status", Some(Property::Int(i64::from(rec.statuses[i].status)))),
                    ("group", p.group.as_deref().map(Property::Str)),
                    ("area", area_m2.map(Property::Double)),
                ],
            );
        }
        layers.push(l);
    }

    if shows(&LAYERS[1], t.z) {
        let mut l = LayerBuilder::new("conflicts");
        for ci in src.conflicts_in(area) {
            if group.is_some() && src.conflict_group[ci] != group {
                continue;
            }
            let drawn = match &src.conflict_geometry[ci] {
                Drawn::None => None,
                Drawn::Parcel(i) => src.parcel_geometry[*i].as_ref().and_then(|g| polygons(g, t, BUFFER)),
                Drawn::Area(g) => polygons(g, t, BUFFER),
                Drawn::Point(p) => point(*p, t, BUFFER),
            };
            let Some(g) = drawn else { continue };
            let c = &rec.conflicts[ci];
            let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
            let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
            let (pids, cids) = (pids.join(";"), cids.join(";"));
            let severity = match c.kind.severity() {
                crate::reconcile::Severity::Error => "error",
                crate::reconcile::Severity::Warning => "warning",
            };
            let group_name = src.conflict_group[ci].map(|g| src.groups[g as usize].name.as_str());
            l.add(
                ci as u64 + 1,
                g,
                &[
                    ("id", Some(Property::Unique(&src.conflict_ids[ci]))),
                    ("kind", Some(Property::Str(c.kind.as_str()))),
                    ("severity", Some(Property::Str(severity))),
                    ("measure", c.measure.filter(|m| m.is_finite()).map(Property::Double)),
                    ("parcel_ids", Some(Property::Str(&pids))),
                    ("cert_ids", Some(Property::Str(&cids))),
                    ("group", group_name.map(Property::Str)),
                ],
            );
        }
        layers.push(l);
    }

    if shows(&LAYERS[2], t.z) {
        let mut l = LayerBuilder::new("groups");
        for (gi, g) in src.groups.iter().enumerate() {
            if group.is_some_and(|only| only as usize != gi) {
                continue;
            }
            let props = |role| {
                [
                    ("name", Some(Property::Str(&g.name))),
                    ("parcels", Some(Property::Int(g.parcels as i64))),
                    ("role", Some(Property::Str(role))),
                ]
            };
            let near = g.bbox.is_some_and(|b| geo::Intersects::intersects(&b, &area));
            if let Some(outline) = g.outline.as_ref().filter(|_| near).and_then(|o| polygons(o, t, BUFFER)) {
                l.add(2 * gi as u64 + 1, outline, &props("outline"));
            }
            if let Some(label) = g.label.and_then(|p: Point<f64>| point(p, t, 0.0)) {
                l.add(2 * gi as u64 + 2, label, &props("label"));
            }
        }
        layers.push(l);
    }
    encode(layers)
}
