//! What the readers of every source share, below [`crate::dataset`] and [`crate::linkage`]: CSV tables with
//! errors that name the row and field ([`csv_table`]), the contract's dates ([`date`]), many short strings in
//! one buffer ([`text`]), and GDAL's set-up ([`gdal`]).

pub mod csv_table;
pub mod date;
pub mod gdal;
pub mod text;
