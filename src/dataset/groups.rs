//! Residential-group boundaries (`groups.<ext>`): read, projected and checked like parcels, then each parcel
//! is put in the group whose boundary holds it.

use std::path::{Path, PathBuf};

use geo::BoundingRect;
use rayon::prelude::*;

use super::features::LayerInfo;
use super::geometry::{build_geometry, Invalid};
use super::parcels::{self, ColumnRequest, RawFeature, RawGeometry};
use super::{value_text, Group, InputFile, Parcel, Reader, Shared};
use crate::config::DatasetConfig;
use crate::crs::Frame;
use crate::error::{Error, Location, Result};

/// The group boundaries as read, before projection.
pub(super) struct RawGroups {
    pub(super) path: PathBuf,
    /// Each feature's name (or why it has none) and geometry, in file order.
    pub(super) features: Vec<(Option<String>, RawGeometry)>,
    /// The reading's end: the layer, or the error that stopped it after `features`.
    pub(super) info: Result<LayerInfo>,
}

/// Reads `groups.<ext>` if there is one: GeoJSON with the native reader (unless GDAL's is chosen), every
/// other format through GDAL.
pub(super) fn read_raw_groups(dir: &Path, config: &DatasetConfig, reader: Reader) -> Result<Option<RawGroups>> {
    let Some(path) = parcels::find_vector_file(dir, "groups")? else { return Ok(None) };
    let request = ColumnRequest {
        canonical: "group".into(),
        source: config.columns.group("group"),
        required: true,
        origin: if config.columns.groups.contains_key("group") {
            "mapped in dataset.toml [columns.groups]".into()
        } else {
            "canonical name".into()
        },
    };
    let mut features = Vec::new();
    let mut keep = |f: RawFeature| {
        features.push((value_text(&f.values[0]), f.geometry));
        Ok(())
    };
    let requests = [Some(request)];
    let info = super::features::open(&path, &requests, reader).read(&mut |f, _| keep(f));
    if info.is_err() && features.iter().all(|(name, _)| name.is_none()) {
        // A column no feature has is the file's error, not each feature's: GDAL says so before any feature,
        // the native reader after them (other errors come after the features read before them).
        features.clear();
    }
    Ok(Some(RawGroups { path, features, info }))
}

/// Projects and checks the group boundaries (on every core); errors come in file order.
pub(super) fn build_groups(raw: RawGroups, frame: &Frame) -> Result<(Vec<Group>, InputFile)> {
    let path = raw.path.as_path();
    let built: Vec<Result<Group>> = raw
        .features
        .into_par_iter()
        .enumerate()
        .map(|(n, (name, geometry))| {
            let at = |field: &str| Location::feature(path, n).field(field);
            let name = name.ok_or_else(|| Error::bad_input(at("group"), "empty group name"))?;
            let RawGeometry::Polygons(polys) = geometry else {
                return Err(Error::bad_input(at("geometry"), "a residential group needs a polygon"));
            };
            let (geometry, invalid) = build_geometry(polys, frame).map_err(|m| Error::bad_input(at("geometry"), m))?;
            let geometry = match (geometry, invalid) {
                (_, Some(Invalid::Empty)) | (None, None) => {
                    return Err(Error::bad_input(at("geometry"), "empty geometry"));
                }
                (_, Some(why)) => {
                    return Err(Error::bad_input(at("geometry"), format!("invalid group boundary: {why}")));
                }
                (Some(g), None) => g,
            };
            Ok(Group { name: Shared::from(name), geometry })
        })
        .collect();
    let groups = built.into_iter().collect::<Result<Vec<Group>>>()?;
    let info = raw.info?;
    let input =
        InputFile { role: "groups".into(), path: path.to_path_buf(), format: info.driver, records: info.features };
    Ok((groups, input))
}

/// When group boundaries exist they decide: the group whose polygon holds the parcel (its centroid, or an
/// interior point when the centroid falls outside a concave parcel). Boundaries are split into monotone
/// pieces once, so each test is logarithmic in the boundary's vertex count.
pub(super) fn assign_groups(parcels: &mut [Parcel], groups: &[Group]) {
    let locator = GroupLocator::new(groups);
    parcels.par_iter_mut().for_each(|p| {
        if let Some(i) = locator.group_of(p) {
            p.group = Some(groups[i].name.clone());
        }
    });
}

/// The groups' boundaries prepared for point tests (monotone pieces, an R-tree of their boxes): built once,
/// asked for many parcels.
pub struct GroupLocator {
    prepared: Vec<Vec<geo::MonotonicPolygons<f64>>>,
    tree: rstar::RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
}

impl GroupLocator {
    /// Prepares `groups`.
    pub fn new(groups: &[Group]) -> GroupLocator {
        use rstar::primitives::{GeomWithData, Rectangle};
        let prepared = groups
            .iter()
            .map(|g| g.geometry.0.iter().map(|p| geo::MonotonicPolygons::from(p.clone())).collect())
            .collect();
        let tree = rstar::RTree::bulk_load(
            groups
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let r = g.geometry.bounding_rect()?;
                    Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
                })
                .collect(),
        );
        GroupLocator { prepared, tree }
    }

    /// The group (its position) whose boundary holds parcel `p`, the first when several do.
    pub fn group_of(&self, p: &Parcel) -> Option<usize> {
        use geo::{Centroid, Contains, InteriorPoint, Intersects};
        let g = p.geometry.as_ref()?;
        let pt = match g.centroid() {
            Some(c) if g.contains(&c) => c,
            _ => g.interior_point()?,
        };
        self.tree
            .locate_all_at_point(&[pt.x(), pt.y()])
            .map(|c| c.data)
            .filter(|&i| self.prepared[i].iter().any(|m| m.intersects(&pt.0)))
            .min()
    }
}
