//! Bad input: a clear message naming the file, the row or feature, and the field; exit code 2; no report.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;

use common::*;

/// Runs check on a broken copy of the small commune; returns stderr after asserting exit 2 and no report.
fn fails(break_it: impl FnOnce(&Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    break_it(&ds);
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!report.exists(), "a failed run must leave no report");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing half-written beside it");
    stderr
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn missing_dataset_directory() {
    let out = run(&["check", "/nonexistent/commune", "--out", "/tmp/thuadat-never", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "error: /nonexistent/commune: dataset directory not found\n");
}

#[test]
fn missing_parcels_file() {
    let e = fails(|d| std::fs::remove_file(d.join("parcels.geojson")).unwrap());
    assert!(e.contains("parcels.*: no parcels file: expected parcels.<ext>"), "{e}");
}

#[test]
fn missing_certificates_file() {
    let e = fails(|d| std::fs::remove_file(d.join("certificates.csv")).unwrap());
    assert!(e.contains("certificates.csv: file not found"), "{e}");
}

#[test]
fn unknown_crs() {
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "EPSG:999999"));
    assert!(e.contains("dataset.toml, field `crs`: unknown CRS `EPSG:999999`"), "{e}");
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "VN2000:west"));
    assert!(e.contains("field `crs`"), "{e}");
}

/// A CRS that is not a 2D map or longitude/latitude system (geocentric X/Y/Z, 3D geographic with heights)
/// would give areas of 0 or nonsense: refused, naming where it was set.
#[test]
fn crs_that_is_not_projected_or_geographic_2d() {
    const NEED: &str =
        "parcels need a projected or a geographic 2D CRS (e.g. \"VN2000:105.0\", EPSG:5897 or EPSG:4326)";
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "EPSG:4978"));
    assert!(
        e.contains(&format!(
            "dataset.toml, field `crs`: `EPSG:4978` is a geocentric CRS (X, Y, Z from the Earth's centre): {NEED}"
        )),
        "{e}"
    );
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "EPSG:4979"));
    assert!(
        e.contains(&format!(
            "dataset.toml, field `crs`: `EPSG:4979` is a geographic 3D CRS (longitude, latitude and ellipsoidal height): {NEED}"
        )),
        "{e}"
    );
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "+proj=geocent +datum=WGS84 +units=m"));
    assert!(
        e.contains(&format!(
            "dataset.toml, field `crs`: `+proj=geocent +datum=WGS84 +units=m` is a geocentric CRS (X, Y, Z from the Earth's centre): {NEED}"
        )),
        "{e}"
    );
    // Declared by the parcels file itself.
    let e = fails(|d| {
        edit(&d.join("dataset.toml"), "crs = \"VN2000:105.0\"\n", "");
        edit(
            &d.join("parcels.geojson"),
            "{\"type\":\"FeatureCollection\",",
            "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4978\"}},",
        );
    });
    assert!(
        e.contains(&format!(
            "parcels.geojson, field `crs`: `urn:ogc:def:crs:EPSG::4978` is a geocentric CRS (X, Y, Z from the Earth's centre): {NEED}"
        )),
        "{e}"
    );
}

#[test]
fn geographic_crs_for_projected_coordinates() {
    let e = fails(|d| edit(&d.join("dataset.toml"), "VN2000:105.0", "EPSG:4326"));
    assert!(
        e.contains(
            "parcels.geojson, feature 0, field `geometry`: coordinate (585000, 2326000) is not longitude/latitude"
        ),
        "{e}"
    );
}

#[test]
fn mapped_parcel_column_missing() {
    let e = fails(|d| edit(&d.join("dataset.toml"), "sheet = \"SoTo\"", "sheet = \"SoToBanDo\""));
    assert!(
        e.contains("parcels.geojson, field `SoToBanDo`: column `SoToBanDo` (for `sheet`, mapped in dataset.toml [columns.parcels]) not found; the file has: "),
        "{e}"
    );
}

#[test]
fn mapped_certificate_column_missing() {
    let e = fails(|d| {
        let p = d.join("dataset.toml");
        let t = std::fs::read_to_string(&p).unwrap() + "[columns.certificates]\nholder_name = \"HoTen\"\n";
        std::fs::write(p, t).unwrap();
    });
    assert!(e.contains("certificates.csv, field `HoTen`: column `HoTen` (mapped from `holder_name` in dataset.toml [columns.certificates]) not found"), "{e}");
}

#[test]
fn required_certificate_column_missing() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "cert_id,serial", "certificate,serial"));
    assert!(e.contains("certificates.csv, field `cert_id`: column `cert_id` (required) not found"), "{e}");
}

#[test]
fn non_numeric_sheet_in_parcels() {
    let e = fails(|d| edit(&d.join("parcels.geojson"), "\"SoTo\":1,", "\"SoTo\":\"mot\","));
    assert!(e.contains("parcels.geojson, feature 0, field `sheet`: `mot` is not a whole number"), "{e}");
}

#[test]
fn non_numeric_area_in_parcels() {
    let e = fails(|d| edit(&d.join("parcels.geojson"), "\"DienTich\":100.0", "\"DienTich\":\"100 m2\""));
    assert!(e.contains("parcels.geojson, feature 0, field `area`: `100 m2` is not a number"), "{e}");
}

#[test]
fn non_numeric_sheet_and_area_in_certificates() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "C2,AA 00000002,00118,1,", "C2,AA 00000002,00118,x1,"));
    assert!(e.contains("certificates.csv, row 4, field `sheet`: `x1` is not a whole number"), "{e}");
    let e = fails(|d| edit(&d.join("certificates.csv"), ",99.5,", ",99.5m2,"));
    assert!(e.contains("certificates.csv, row 4, field `area`: `99.5m2` is not a number (an area in m2)"), "{e}");
}

#[test]
fn broken_csv_quoting() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "2013,Lê Văn Cường", "2013,\"Lê Văn Cường"));
    assert!(e.contains("certificates.csv, row 4: the row has"), "{e}");
    assert!(e.contains("check the quoting"), "{e}");
}

#[test]
fn wrong_encoding_in_csv() {
    let e = fails(|d| {
        let p = d.join("certificates.csv");
        let mut bytes = std::fs::read(&p).unwrap();
        // "Lê" in Windows-1258 (0xEA) is not UTF-8.
        let at = bytes.windows(3).position(|w| w == "Lê".as_bytes()).unwrap();
        bytes.splice(at..at + 3, [b'L', 0xEA]);
        std::fs::write(p, bytes).unwrap();
    });
    assert!(e.contains("certificates.csv, row 4, field `holder_name`: not UTF-8 text"), "{e}");
}

#[test]
fn empty_cert_id() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "C2,AA", ",AA"));
    assert!(e.contains("certificates.csv, row 4, field `cert_id`: empty; every row needs one"), "{e}");
}

#[test]
fn unreadable_parcels_file() {
    let e = fails(|d| std::fs::write(d.join("parcels.geojson"), "{ this is not json").unwrap());
    assert!(e.contains("parcels.geojson, line 1: not valid GeoJSON: expected a member name in double quotes"), "{e}");
    let e = fails(|d| {
        std::fs::remove_file(d.join("parcels.geojson")).unwrap();
        std::fs::write(d.join("parcels.gpkg"), "not a geopackage").unwrap();
    });
    assert!(e.contains("parcels.gpkg: GDAL cannot read it as vector data"), "{e}");
}

/// A MicroStation V8 DGN is an OLE compound file that GDAL's DGN driver (V7) cannot read: refused with what to
/// do instead (issue 20).
#[test]
fn dgn_v8_is_refused_with_what_to_do() {
    let e = fails(|d| {
        std::fs::remove_file(d.join("parcels.geojson")).unwrap();
        let mut v8 = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        v8.resize(4096, 0);
        std::fs::write(d.join("parcels.dgn"), v8).unwrap();
    });
    assert!(e.contains("parcels.dgn: a MicroStation V8 DGN (an OLE compound file)"), "{e}");
    assert!(e.contains("save the sheets as V7 DGN"), "{e}");
}

/// A sheet-number pattern that cannot give a number is refused where it is written (issue 20).
#[test]
fn map_sheet_pattern_that_cannot_give_a_number() {
    for (pattern, want) in [
        (r#""To_(""#, "dataset.toml, field `map_sheets.file_pattern`: `To_(` is not a regular expression"),
        (r#""To_\\d+""#, r"dataset.toml, field `map_sheets.file_pattern`: `To_\d+` has no group"),
    ] {
        let e = fails(|d| {
            let toml = d.join("dataset.toml");
            let text = std::fs::read_to_string(&toml).unwrap();
            std::fs::write(&toml, format!("{text}\n[map_sheets]\nfile_pattern = {pattern}\n")).unwrap();
        });
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn bad_dataset_toml() {
    let e = fails(|d| edit(&d.join("dataset.toml"), "[columns.parcels]", "[columns.parcels\n"));
    assert!(e.contains("dataset.toml, line"), "{e}");
    let e = fails(|d| {
        let p = d.join("dataset.toml");
        let t = std::fs::read_to_string(&p).unwrap() + "[tolerances]\noverlap_min_area_m2 = \"big\"\n";
        std::fs::write(p, t).unwrap();
    });
    assert!(e.contains("dataset.toml, line"), "{e}");
}

#[test]
fn invalid_geometries_are_data_not_errors() {
    // Every invalid kind at once: bow-tie, missing, unclosed ring, too few points, empty polygon.
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    let p = ds.join("parcels.geojson");
    let text = std::fs::read_to_string(&p).unwrap();
    let extra = r#",
{"type":"Feature","properties":{"MaXa":"00118","SoTo":2,"SoThua":1},"geometry":{"type":"Polygon","coordinates":[[[585000,2326100],[585010,2326100],[585010,2326110],[585000,2326110]]]}},
{"type":"Feature","properties":{"MaXa":"00118","SoTo":2,"SoThua":2},"geometry":{"type":"Polygon","coordinates":[[[585020,2326100],[585030,2326100],[585020,2326100]]]}},
{"type":"Feature","properties":{"MaXa":"00118","SoTo":2,"SoThua":3},"geometry":{"type":"Polygon","coordinates":[]}}
]}"#;
    std::fs::write(&p, text.trim_end().trim_end_matches("]}").to_string() + extra).unwrap();
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    let mut invalid: Vec<(String, String)> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "invalid_geometry")
        .map(|f| {
            (
                f["properties"]["parcel_ids"][0].as_str().unwrap().to_string(),
                f["properties"]["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    invalid.sort();
    assert_eq!(
        invalid,
        vec![
            ("00118-1-10".into(), "00118-1-10: exterior ring has a self-intersection".into()),
            ("00118-1-11".into(), "00118-1-11: missing geometry".into()),
            ("00118-2-1".into(), "00118-2-1: exterior ring is not closed".into()),
            ("00118-2-2".into(), "00118-2-2: exterior ring has 2 distinct points (at least 3 needed)".into()),
            ("00118-2-3".into(), "00118-2-3: missing geometry".into()),
        ]
    );
}

#[test]
fn bad_group_boundaries_name_the_first_bad_feature() {
    let group = |name: &str, ring: &str| {
        format!(
            "{{\"type\":\"Feature\",\"properties\":{{\"group\":{name}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{ring}]}}}}"
        )
    };
    let (x, y) = (585_000.0, 2_326_000.0); // where write_small_commune draws
    let square = format!("[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]", x + 100.0, x + 100.0, y + 100.0, y + 100.0);
    let bow_tie = format!("[[{x},{y}],[{},{}],[{},{y}],[{x},{}],[{x},{y}]]", x + 5.0, y + 20.0, x + 5.0, y + 20.0);
    let write = |d: &Path, features: &[String]| {
        let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"));
        std::fs::write(d.join("groups.geojson"), text).unwrap();
    };
    let e = fails(|d| {
        write(d, &[group("\"To 1\"", &square), group("\"To 2\"", &bow_tie), group("\"\"", &square)]);
    });
    assert!(e.contains("groups.geojson, feature 1, field `geometry`: invalid group boundary:"), "{e}");
    let e = fails(|d| write(d, &[group("\"To 1\"", &square), group("null", &bow_tie)]));
    assert!(e.contains("groups.geojson, feature 1, field `group`: empty group name"), "{e}");
    // No feature has the group column: the file's error, before any feature's (native reader and GDAL alike).
    let e = fails(|d| write(d, &[group("\"To 1\"", &square).replace("\"group\"", "\"ten_to\"")]));
    assert!(e.contains("groups.geojson, field `group`: column `group` (for `group`, canonical name) not found"), "{e}");
}

const CITIZENS: &str =
    "citizen_id,full_name,birth_date,gender,address\n001085001234,Nguyễn Văn An,1985-02-03,Nam,Tổ 1\n";

#[test]
fn citizens_missing_column() {
    let e = fails(|d| std::fs::write(d.join("citizens.csv"), CITIZENS.replace("full_name,", "name,")).unwrap());
    assert!(e.contains("citizens.csv, field `full_name`: column `full_name` (required) not found"), "{e}");
}

#[test]
fn citizens_mapped_column_missing() {
    let e = fails(|d| {
        std::fs::write(d.join("citizens.csv"), CITIZENS).unwrap();
        let toml = std::fs::read_to_string(d.join("dataset.toml")).unwrap()
            + "[columns.citizens]\ncitizen_id = \"SoDinhDanh\"\n";
        std::fs::write(d.join("dataset.toml"), toml).unwrap();
    });
    assert!(e.contains("citizens.csv, field `SoDinhDanh`: column `SoDinhDanh` (mapped from `citizen_id` in dataset.toml [columns.citizens]) not found"), "{e}");
}

#[test]
fn citizens_unparseable_date_and_gender() {
    let e = fails(|d| std::fs::write(d.join("citizens.csv"), CITIZENS.replace("1985-02-03", "03/02/1985")).unwrap());
    assert!(
        e.contains("citizens.csv, row 2, field `birth_date`: `03/02/1985` is not a date (YYYY or YYYY-MM-DD)"),
        "{e}"
    );
    let e = fails(|d| std::fs::write(d.join("citizens.csv"), CITIZENS.replace("1985-02-03", "1985-02-30")).unwrap());
    assert!(
        e.contains("citizens.csv, row 2, field `birth_date`: `1985-02-30`: day 30 does not exist in that month"),
        "{e}"
    );
    let e = fails(|d| std::fs::write(d.join("citizens.csv"), CITIZENS.replace(",Nam,", ",X,")).unwrap());
    assert!(e.contains("citizens.csv, row 2, field `gender`: `X` is not a gender (Nam or Nữ)"), "{e}");
    let e = fails(|d| std::fs::write(d.join("citizens.csv"), CITIZENS.replace("001085001234", "")).unwrap());
    assert!(e.contains("citizens.csv, row 2, field `citizen_id`: empty; every row needs one"), "{e}");
}

#[test]
fn certificate_holder_birth_unparseable() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "Lê Văn Cường,,1970", "Lê Văn Cường,,1970-13-01"));
    assert!(e.contains("certificates.csv, row 4, field `holder_birth`: `1970-13-01`: month 13 does not exist"), "{e}");
}

#[test]
fn certificate_issued_unparseable() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "ODT,2013,Lê Văn Cường", "ODT,13/05/2013,Lê Văn Cường"));
    assert!(
        e.contains("certificates.csv, row 4, field `issued`: `13/05/2013` is not a date (YYYY or YYYY-MM-DD)"),
        "{e}"
    );
    let e = fails(|d| edit(&d.join("certificates.csv"), "ODT,2012-05-04,Nguyễn", "ODT,2012-02-30,Nguyễn"));
    assert!(
        e.contains("certificates.csv, row 2, field `issued`: `2012-02-30`: day 30 does not exist in that month"),
        "{e}"
    );
}

/// `thuadat link`: a missing, unreadable or non-UTF-8 mapping, or a missing table, is bad input (exit 2) named
/// by its file.
#[test]
fn link_config_missing_or_unreadable() {
    let tmp = tempfile::tempdir().unwrap();
    let left = tmp.path().join("a.csv");
    std::fs::write(&left, "id,name\n1,An\n").unwrap();
    let left = left.to_str().unwrap();
    let link = |config: &Path| {
        let out = run(&["link", "--config", config.to_str().unwrap(), left, left]);
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let missing = tmp.path().join("missing.toml");
    assert_eq!(link(&missing), format!("error: {}: file not found\n", missing.display()));
    // A directory where the file should be.
    let dir = tmp.path().join("dir.toml");
    std::fs::create_dir(&dir).unwrap();
    let e = link(&dir);
    assert!(e.starts_with(&format!("error: {}: cannot read: ", dir.display())), "{e}");
    let latin1 = tmp.path().join("latin1.toml");
    std::fs::write(&latin1, b"id = \"caf\xe9\"\n").unwrap();
    assert_eq!(link(&latin1), format!("error: {}: not UTF-8 text\n", latin1.display()));

    // A good mapping with a missing table names the table.
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/linkage/febrl4.toml");
    let out = run(&["link", "--config", config.to_str().unwrap(), "/nonexistent/a.csv", left]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.starts_with("error: /nonexistent/a.csv: "), "{e}");
}

/// A misspelt table or key in dataset.toml is an error naming its line and the nearest known name, never
/// silently the defaults (issue 14, 2).
#[test]
fn misspelt_dataset_toml_keys_are_errors() {
    let e = fails(|d| {
        let toml = d.join("dataset.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(&toml, format!("{text}[tolerance]\noverlap_min_area_m2 = 30.0\n")).unwrap();
    });
    assert!(
        e.ends_with("dataset.toml, line 10, field `tolerance`: unknown key `tolerance` at the top of dataset.toml; did you mean `tolerances`? (known: name, crs, province, commune, tolerances, rules, columns, map_sheets)\n"),
        "{e}"
    );
    let e = fails(|d| edit(&d.join("dataset.toml"), "[columns.parcels]", "[column.parcels]"));
    assert!(e.contains("dataset.toml, line 3, field `column`: unknown key `column` at the top of dataset.toml; did you mean `columns`?"), "{e}");
}

/// Bad input that the OS reports (a directory where a file belongs, a link that loops, a truncated gzip) is
/// exit code 2 with one clear message (issue 14, 7).
#[test]
fn unreadable_inputs_are_bad_input_said_once() {
    let e = fails(|d| {
        std::fs::remove_file(d.join("parcels.geojson")).unwrap();
        std::fs::create_dir(d.join("parcels.geojson")).unwrap();
    });
    assert!(e.ends_with("parcels.geojson: is a directory, not a file\n"), "{e}");
    let e = fails(|d| {
        std::fs::remove_file(d.join("parcels.geojson")).unwrap();
        std::os::unix::fs::symlink(d.join("parcels.geojson"), d.join("parcels.geojson")).unwrap();
    });
    assert!(e.ends_with("parcels.geojson: is a symbolic link that loops (or too many links in a row)\n"), "{e}");
    let e = fails(|d| {
        let text = std::fs::read(d.join("parcels.geojson")).unwrap();
        std::fs::remove_file(d.join("parcels.geojson")).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &text).unwrap();
        let bytes = gz.finish().unwrap();
        std::fs::write(d.join("parcels.geojson.gz"), &bytes[..bytes.len() / 2]).unwrap();
    });
    assert!(
        e.contains("parcels.geojson.gz: not a whole, valid gzip file (cut short or damaged: copy it again): "),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "said once: {e}");
    let e = fails(|d| {
        std::fs::remove_file(d.join("certificates.csv")).unwrap();
        std::fs::create_dir(d.join("certificates.csv")).unwrap();
    });
    assert!(e.ends_with("certificates.csv: is a directory, not a file\n"), "{e}");
    assert_eq!(e.lines().count(), 1, "said once: {e}");
}

/// A column the header names twice is ambiguous: exit 2 naming it (issue 14, 5).
#[test]
fn repeated_certificate_column() {
    let e = fails(|d| edit(&d.join("certificates.csv"), "holder_birth,address", "area,address"));
    assert!(
        e.ends_with("certificates.csv, row 1, field `area`: the header has column `area` 2 times (columns 6 and 11): which one to read is ambiguous; rename or remove the others\n"),
        "{e}"
    );
}

/// A CRLF file (as Excel writes) and an LF file name the same bad cell by the same line, the line where the
/// record starts, with blank lines and quoted line breaks counted (issue 14, 6).
#[test]
fn crlf_and_lf_name_the_same_row() {
    let bad = |crlf: bool| {
        fails(|d| {
            let path = d.join("certificates.csv");
            let text = std::fs::read_to_string(&path).unwrap();
            // Row 3 gets a quoted line break in its address, a blank line follows; row 5 (line 7) a bad area.
            let text = text.replacen("1985,Tổ 1\n", "1985,\"Tổ 1\nphường X\"\n\n", 1).replacen("99.5", "99.5m2", 1);
            let text = if crlf { text.replace('\n', "\r\n") } else { text };
            std::fs::write(&path, text).unwrap();
        })
    };
    let expected = "certificates.csv, row 6, field `area`: `99.5m2` is not a number (an area in m2)\n";
    let (lf, crlf) = (bad(false), bad(true));
    assert!(lf.ends_with(expected), "{lf}");
    assert!(crlf.ends_with(expected), "{crlf}");
}
