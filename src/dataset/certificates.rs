//! `certificates.csv`: land-use-right certificates, one row per (certificate, holder).

use std::collections::HashMap;
use std::path::Path;

use super::csv_table::{CsvTable, Field};
use super::parcel_no::ParcelNo;
use crate::config::Columns;
use crate::error::Result;

/// One row: a holder of a certificate, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct HolderRow {
    /// Line of the row in the file (the header is line 1).
    pub line: usize,
    pub cert_id: String,
    pub holder_name: String,
    pub holder_id: String,
    pub holder_birth: String,
    pub address: String,
}

/// A certificate: what its rows say about the parcel (from its first row).
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    pub id: String,
    pub serial: String,
    pub commune: Option<String>,
    pub sheet: Option<i64>,
    pub parcel_no: ParcelNo,
    pub area: Option<f64>,
    pub land_use: String,
    pub issued: String,
    /// Line of its first row.
    pub line: usize,
    /// Indices of its holder rows in [`Certificates::holders`].
    pub holders: Vec<usize>,
}

/// Everything read from `certificates.csv`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Certificates {
    pub certificates: Vec<Certificate>,
    pub holders: Vec<HolderRow>,
}

impl Certificates {
    /// Reads and checks `certificates.csv`.
    pub fn read(path: &Path, columns: &Columns) -> Result<Certificates> {
        let cols = columns.clone();
        let mut table = CsvTable::open(path, "certificates", move |c| cols.certificate(c), &columns.certificates)?;
        let col = |name: &str, required: bool| table.column(name, required);
        let c_id = col("cert_id", true)?;
        let c_sheet = col("sheet", true)?;
        let c_no = col("parcel_no", true)?;
        let c_area = col("area", false)?;
        let c_serial = col("serial", false)?;
        let c_commune = col("commune", false)?;
        let c_land_use = col("land_use", false)?;
        let c_issued = col("issued", false)?;
        let c_name = col("holder_name", false)?;
        let c_hid = col("holder_id", false)?;
        let c_birth = col("holder_birth", false)?;
        let c_address = col("address", false)?;

        let mut out = Certificates::default();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for row in table.rows() {
            let row = row?;
            let text = |c: &Option<Field>| row.text(c);
            let cert_id = row.required_text(&c_id)?;
            let holder = HolderRow {
                line: row.line,
                cert_id: cert_id.clone(),
                holder_name: text(&c_name)?,
                holder_id: text(&c_hid)?,
                holder_birth: text(&c_birth)?,
                address: text(&c_address)?,
            };
            let holder_index = out.holders.len();
            out.holders.push(holder);
            if let Some(&i) = by_id.get(&cert_id) {
                out.certificates[i].holders.push(holder_index);
                continue;
            }
            let commune = text(&c_commune)?;
            let cert = Certificate {
                id: cert_id.clone(),
                serial: text(&c_serial)?,
                commune: (!commune.is_empty()).then_some(commune),
                sheet: row.integer(&c_sheet)?,
                parcel_no: ParcelNo::parse(&text(&c_no)?),
                area: row.area(&c_area)?,
                land_use: text(&c_land_use)?,
                issued: text(&c_issued)?,
                line: row.line,
                holders: vec![holder_index],
            };
            by_id.insert(cert_id, out.certificates.len());
            out.certificates.push(cert);
        }
        Ok(out)
    }
}
