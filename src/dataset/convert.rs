//! Raw features to parcels: the reading thread hands chunks of raw features ([`Feeder`]) to a converter that
//! builds the parcels on every core ([`convert`]), so reading and conversion overlap and raw features never
//! pile up.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::parcels::{RawFeature, RawGeometry};
use super::{build_parcel, Parcel, Shared};
use crate::crs::{Crs, Frame};
use crate::error::{Error, Result};

/// Features are converted in parallel, this many at a time, so raw features never pile up.
const CHUNK: usize = 1 << 14;

/// A chunk of raw features on its way to conversion: the frame, the index of its first feature.
pub(super) type Chunk = (Arc<Frame>, usize, Vec<RawFeature>);

/// Collects raw features on the reading thread and hands them over in chunks.
pub(super) struct Feeder<'a> {
    /// The CRS from dataset.toml, which overrides the file's.
    pub(super) config_crs: Option<Crs>,
    pub(super) frame: Option<Arc<Frame>>,
    pub(super) pending: Vec<RawFeature>,
    /// Index of the first pending feature in the file.
    pub(super) first_pending: usize,
    pub(super) tx: std::sync::mpsc::SyncSender<Chunk>,
    pub(super) _path: &'a Path,
}

impl Feeder<'_> {
    pub(super) fn push(&mut self, f: RawFeature, declared: Option<&Crs>) -> Result<()> {
        if self.frame.is_none() {
            let crs = self.config_crs.take().or_else(|| declared.cloned()).unwrap_or_else(Crs::wgs84);
            let center = if crs.is_geographic() { first_x(&f).unwrap_or(0.0) } else { 0.0 };
            self.frame = Some(Arc::new(Frame::new(crs, (center * 100.0).round() / 100.0)));
        }
        self.pending.push(f);
        if self.pending.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    pub(super) fn send(&mut self) -> Result<()> {
        let Some(frame) = &self.frame else { return Ok(()) };
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        let first = self.first_pending;
        self.first_pending += chunk.len();
        // The converter only hangs up after an error, which it reports itself.
        self.tx
            .send((frame.clone(), first, chunk))
            .map_err(|_| Error::Internal("the conversion of parcels stopped".into()))
    }
}

/// Converts chunks (on every core) into parcels, interning shared text, until the reader hangs up.
/// `expected`: a generous guess at the number of parcels, reserved up front: growing a vector of a million
/// parcels by doubling copies it several times (and touches fresh pages each time); capacity never used is
/// never touched, so it costs address space, not memory.
pub(super) fn convert(
    path: &Path,
    rx: std::sync::mpsc::Receiver<Chunk>,
    expected: usize,
) -> Result<(Vec<Parcel>, usize)> {
    let mut parcels = Vec::with_capacity(expected);
    let mut skipped = 0;
    let mut strings: FxHashMap<Shared, ()> = FxHashMap::default();
    for (frame, first, chunk) in rx {
        let built: Vec<Result<Option<Parcel>>> =
            chunk.into_par_iter().enumerate().map(|(k, f)| build_parcel(path, first + k, f, &frame)).collect();
        parcels.reserve(built.len());
        for p in built {
            match p? {
                Some(mut p) => {
                    for field in [&mut p.commune, &mut p.group, &mut p.land_use] {
                        if let Some(s) = field.take() {
                            let shared = match strings.get_key_value(&s) {
                                Some((k, _)) => k.clone(),
                                None => {
                                    strings.insert(s.clone(), ());
                                    s
                                }
                            };
                            *field = Some(shared);
                        }
                    }
                    parcels.push(p);
                }
                None => skipped += 1,
            }
        }
    }
    Ok((parcels, skipped))
}

fn first_x(f: &RawFeature) -> Option<f64> {
    match &f.geometry {
        RawGeometry::Polygons(p) => p.iter().flatten().flatten().map(|c| c.x).find(|x| x.is_finite()),
        _ => None,
    }
}
