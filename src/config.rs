//! `dataset.toml`: the dataset's name, CRS, tolerances and column mappings.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Location, Result};

/// Canonical parcel properties (contract, "parcels").
pub const PARCEL_FIELDS: &[&str] = &["parcel_id", "commune", "sheet", "parcel_no", "group", "land_use", "area"];
/// Canonical certificate columns (contract, "certificates.csv").
pub const CERTIFICATE_FIELDS: &[&str] = &[
    "cert_id",
    "serial",
    "commune",
    "sheet",
    "parcel_no",
    "area",
    "land_use",
    "issued",
    "holder_name",
    "holder_id",
    "holder_birth",
    "address",
];
/// Canonical population-register columns (contract, "citizens.csv").
pub const CITIZEN_FIELDS: &[&str] = &["citizen_id", "full_name", "birth_date", "gender", "address"];
/// Canonical residential-group properties.
pub const GROUP_FIELDS: &[&str] = &["group"];

/// Thresholds of the rules (contract, `[tolerances]`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tolerances {
    /// Overlaps up to this ground area (m2) are digitising noise.
    pub overlap_min_area_m2: f64,
    /// |certificate area - mapped area| / mapped area above this is a mismatch.
    pub area_mismatch_ratio: f64,
    /// Certificates whose areas sum to the mapped area within this ratio explain a split.
    pub split_area_ratio: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances { overlap_min_area_m2: 0.5, area_mismatch_ratio: 0.05, split_area_ratio: 0.05 }
    }
}

/// Source column name for each canonical property, per input file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Columns {
    pub parcels: BTreeMap<String, String>,
    pub certificates: BTreeMap<String, String>,
    pub citizens: BTreeMap<String, String>,
    pub groups: BTreeMap<String, String>,
}

impl Columns {
    /// The source column that holds `canonical` in the parcels file.
    pub fn parcel(&self, canonical: &str) -> String {
        self.parcels.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub fn certificate(&self, canonical: &str) -> String {
        self.certificates.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub fn citizen(&self, canonical: &str) -> String {
        self.citizens.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub fn group(&self, canonical: &str) -> String {
        self.groups.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
}

/// The whole of `dataset.toml`. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DatasetConfig {
    pub name: Option<String>,
    /// "EPSG:nnnn", a PROJ string, or "VN2000:<lon_0>"; None: the parcels file's own CRS, else EPSG:4326.
    pub crs: Option<String>,
    pub tolerances: Tolerances,
    pub columns: Columns,
}

impl DatasetConfig {
    /// Reads and validates `dataset.toml`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Error::bad_input(Location::file(path), "not UTF-8 text"))
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        Self::parse(&text, path)
    }

    /// Parses `dataset.toml` text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let config: DatasetConfig = toml::from_str(text).map_err(|e| {
            let field = e.span().map(|s| {
                let line = text[..s.start.min(text.len())].lines().count().max(1);
                format!("line {line}")
            });
            Error::BadInput {
                at: Location { file: path.to_path_buf(), item: field, field: None },
                message: e.message().to_string(),
            }
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let t = &self.tolerances;
        for (name, value) in [
            ("overlap_min_area_m2", t.overlap_min_area_m2),
            ("area_mismatch_ratio", t.area_mismatch_ratio),
            ("split_area_ratio", t.split_area_ratio),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::bad_input(
                    Location::file(path).field(format!("tolerances.{name}")),
                    format!("must be a non-negative number, not {value}"),
                ));
            }
        }
        let c = &self.columns;
        for (table, map, known) in [
            ("parcels", &c.parcels, PARCEL_FIELDS),
            ("certificates", &c.certificates, CERTIFICATE_FIELDS),
            ("citizens", &c.citizens, CITIZEN_FIELDS),
            ("groups", &c.groups, GROUP_FIELDS),
        ] {
            for key in map.keys() {
                if !known.contains(&key.as_str()) {
                    return Err(Error::bad_input(
                        Location::file(path).field(format!("columns.{table}.{key}")),
                        format!("unknown property `{key}`; known: {}", known.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let c = DatasetConfig::load(Path::new("/nonexistent/dataset.toml")).unwrap();
        assert_eq!(c, DatasetConfig::default());
        assert_eq!(c.tolerances.overlap_min_area_m2, 0.5);
    }

    #[test]
    fn parses_contract_example() {
        let text = r#"
name = "Phuc Son commune"
crs = "VN2000:105.0"
[tolerances]
overlap_min_area_m2 = 0.5
area_mismatch_ratio = 0.05
split_area_ratio = 0.05
[columns.parcels]
sheet = "SoTo"
parcel_no = "SoThua"
[columns.certificates]
holder_name = "HoTen"
"#;
        let c = DatasetConfig::parse(text, Path::new("dataset.toml")).unwrap();
        assert_eq!(c.name.as_deref(), Some("Phuc Son commune"));
        assert_eq!(c.crs.as_deref(), Some("VN2000:105.0"));
        assert_eq!(c.columns.parcel("sheet"), "SoTo");
        assert_eq!(c.columns.parcel("group"), "group");
        assert_eq!(c.columns.certificate("holder_name"), "HoTen");
    }

    #[test]
    fn rejects_unknown_canonical_name_and_negative_tolerance() {
        let e = DatasetConfig::parse("[columns.parcels]\nsheeet = \"SoTo\"\n", Path::new("d.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "d.toml, field `columns.parcels.sheeet`: unknown property `sheeet`; known: parcel_id, commune, sheet, parcel_no, group, land_use, area"
        );
        let e = DatasetConfig::parse("[tolerances]\nsplit_area_ratio = -1.0\n", Path::new("d.toml")).unwrap_err();
        assert!(e.is_bad_input());
        assert!(e.to_string().contains("tolerances.split_area_ratio"), "{e}");
        let e = DatasetConfig::parse("[tolerances]\nsplit_area_ratio = \"x\"\n", Path::new("d.toml")).unwrap_err();
        assert!(e.to_string().starts_with("d.toml, line 2"), "{e}");
    }
}
