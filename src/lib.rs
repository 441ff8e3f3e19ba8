//! thuadat: a cadastral map reconciler for Vietnamese land records.
//!
//! Data flows one way: [`dataset`] reads a dataset directory (parcels through GDAL, certificates and citizens
//! from CSV) into planar metric geometry, [`index`] holds the parcels in an R-tree, [`reconcile`] runs every rule
//! and classifies each parcel, [`report`] writes the report directory. [`gen`] writes synthetic communes with
//! their own truth.

pub mod access;
pub mod conflict;
pub mod dataset;
pub mod error;
pub mod gen;
pub mod index;
pub mod input;
pub mod linkage;
pub mod live;
pub mod metrics;
pub mod reconcile;
pub mod report;
pub mod review;
pub mod server;
pub mod store;
pub mod tiles;
pub mod topology;
pub mod vntext;

pub use error::{Error, Result};
pub mod check;
pub mod config;
pub mod crs;
