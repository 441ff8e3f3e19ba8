//! The live commune as a whole again: a [`Checked`] for serving ([`Live::snapshot`]), and the edit that moves a
//! parcel ([`Live::moved`]: what the benchmark and the tests edit with).

use super::{Live, LiveEdit};
use crate::check::Checked;
use crate::conflict::Conflict;
use crate::dataset::parcels::RawFeature;
use crate::index::ParcelIndex;

impl Live {
    /// The data as a full check would give them, for serving: the retired parcels left out (positions close
    /// up), the conflicts in the full check's order, the links and index built again.
    pub fn snapshot(&self) -> Checked {
        let ds = &self.dataset;
        let keep: Vec<usize> = (0..ds.parcels.len()).filter(|&i| !self.retired[i]).collect();
        let mut at = vec![u32::MAX; ds.parcels.len()];
        for (k, &i) in keep.iter().enumerate() {
            at[i] = k as u32;
        }
        let mut dataset = ds.clone();
        dataset.parcels = keep.iter().map(|&i| ds.parcels[i].clone()).collect();
        let moved = |i: usize| at[i] as usize;
        let mut conflicts: Vec<Conflict> = self
            .conflicts()
            .map(|(_, c)| {
                let mut c = c.clone();
                c.parcels.iter_mut().for_each(|p| *p = moved(*p));
                c.candidates.retain(|k| at[k.parcel] != u32::MAX);
                c.candidates.iter_mut().for_each(|k| k.parcel = moved(k.parcel));
                if let crate::conflict::ConflictGeometry::Parcel(p) = &mut c.geometry {
                    *p = moved(*p);
                }
                c
            })
            .collect();
        crate::reconcile::sort_conflicts(&mut conflicts, &dataset);
        let statuses = keep.iter().map(|&i| self.statuses[i]).collect();
        let links = crate::reconcile::linking::link(&dataset.parcels, &dataset.certificates);
        let index = ParcelIndex::build(&dataset.parcels);
        let reconciliation = crate::reconcile::Reconciliation {
            conflicts,
            links,
            statuses,
            overlap_stats: crate::reconcile::OverlapStats::default(),
            skipped_rules: Vec::new(),
            area_not_compared: Vec::new(),
            holders: self.linkage.clone(),
            timings: Vec::new(),
        };
        Checked { dataset, index, reconciliation, timings: Vec::new() }
    }

    /// The edit that moves parcel `i` by `(dx, dy)` metres of the planar frame, attributes kept (None: retired
    /// or without geometry): what the benchmark and the tests edit with.
    pub fn moved(&self, i: usize, dx: f64, dy: f64) -> Option<LiveEdit> {
        let p = self.dataset.parcels.get(i).filter(|_| !self.retired[i])?;
        let raw = self.raw_of(i, p.geometry.as_ref()?, dx, dy)?;
        Some(LiveEdit::Parcel { feature: p.feature, raw: Some(raw) })
    }

    /// Parcel `i` as the raw feature the pipeline reads (the contract's columns, its attributes as they are),
    /// with geometry `g` of the planar frame moved by `(dx, dy)` and put back in the source CRS.
    pub(crate) fn raw_of(&self, i: usize, g: &geo::MultiPolygon<f64>, dx: f64, dy: f64) -> Option<RawFeature> {
        use crate::dataset::parcels::{RawGeometry, RawValue};
        let p = self.dataset.parcels.get(i)?;
        let frame = &self.dataset.frame;
        let geographic = frame.source().is_geographic();
        let to_source = |c: &geo::Coord<f64>| -> Option<geo::Coord<f64>> {
            let (x, y) = (c.x + dx, c.y + dy);
            if !geographic {
                return Some(geo::Coord { x, y });
            }
            let (lon, lat) = frame.to_wgs84(x, y).ok()?;
            let (x, y) = frame.source().from_wgs84(lon, lat).ok()?;
            Some(geo::Coord { x, y })
        };
        let polys =
            g.0.iter()
                .map(|poly| {
                    std::iter::once(poly.exterior())
                        .chain(poly.interiors())
                        .map(|r| r.0.iter().map(to_source).collect::<Option<Vec<_>>>())
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Vec<_>>>()?;
        let text = |s: Option<&str>| s.map_or(RawValue::Null, |s| RawValue::Text(s.to_string()));
        Some(RawFeature {
            geometry: RawGeometry::Polygons(polys),
            values: vec![
                RawValue::Null,
                text(p.commune.as_deref()),
                p.sheet.map_or(RawValue::Null, RawValue::Int),
                p.parcel_no.map_or(RawValue::Null, RawValue::Int),
                text(p.group.as_deref()),
                text(p.land_use.as_deref()),
                p.recorded_area.map_or(RawValue::Null, RawValue::Real),
                text(p.code.as_deref()),
            ],
            position: None,
            defect: None,
        })
    }
}
