//! The spatial index: every parcel with a geometry in an R-tree (`rstar`), bulk loaded, keyed by the
//! parcel's position in [`crate::dataset::Dataset::parcels`].

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::dataset::Parcel;

/// An index entry: the parcel's planar envelope and its position.
pub type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// All parcel envelopes in an R-tree.
#[derive(Clone)]
pub struct ParcelIndex {
    tree: RTree<Entry>,
}

impl ParcelIndex {
    /// Bulk-loads the envelopes of every parcel that has a geometry (valid or not).
    pub fn build(parcels: &[Parcel]) -> ParcelIndex {
        let entries = parcels
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.bbox?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, i as u32))
            })
            .collect();
        ParcelIndex { tree: RTree::bulk_load(entries) }
    }

    /// Adds parcel `i` with envelope `r` (the incremental re-check).
    pub(crate) fn insert(&mut self, i: usize, r: geo::Rect<f64>) {
        let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        self.tree.insert(GeomWithData::new(rect, i as u32));
    }

    /// Removes parcel `i`, indexed with envelope `r`.
    pub(crate) fn remove(&mut self, i: usize, r: geo::Rect<f64>) {
        let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        self.tree.remove(&GeomWithData::new(rect, i as u32));
    }

    /// Parcels whose envelope meets the box `[min, max]`.
    pub fn intersecting(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        let envelope = AABB::from_corners(min, max);
        self.tree.locate_in_envelope_intersecting(&envelope).map(|e| e.data as usize)
    }
}
