//! Writes datasets of single very large parcels, for timing geometry validation (`scripts/bench-validity.sh`):
//!
//! * `vertices`: one parcel whose shell has 200,000 vertices (a wavy circle);
//! * `holes`: one parcel with 22,500 holes (a 150 x 150 grid of 2 m squares in a 600 m square);
//! * `parts`: one multipolygon of 2,500 parts (a 50 x 50 grid of 8 m squares, 2 m apart).
//!
//! All are valid, so the whole of the validation runs. Coordinates are VN-2000 / TM-3 105 (Hanoi).
//!
//! ```text
//! cargo run --release --example big_polygons -- /tmp/big
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write;
use std::path::Path;

const X0: f64 = 585_000.0;
const Y0: f64 = 2_326_000.0;

fn ring(points: &[(f64, f64)]) -> String {
    let mut s = String::from("[");
    for (x, y) in points.iter().chain(points.first()) {
        let _ = write!(s, "[{:.3},{:.3}],", X0 + x, Y0 + y);
    }
    s.pop();
    s.push(']');
    s
}

fn square(x: f64, y: f64, side: f64) -> Vec<(f64, f64)> {
    vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
}

fn write_dataset(dir: &Path, geometry: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let feature = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"commune":"00118","sheet":1,"parcel_no":1}},"geometry":{geometry}}}]}}"#
    );
    std::fs::write(dir.join("parcels.geojson"), feature + "\n")?;
    std::fs::write(dir.join("dataset.toml"), "name = \"one big parcel\"\ncrs = \"VN2000:105.0\"\n")?;
    std::fs::write(
        dir.join("certificates.csv"),
        "cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name,holder_id,holder_birth,address\n\
         C1,AA 00000001,00118,1,1,100.0,ODT,2012,Nguyễn Văn An,,1985,Tổ 1\n",
    )
}

fn main() -> std::io::Result<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "/tmp/thuadat-big-polygons".into());
    let out = Path::new(&out);

    let n = 200_000;
    let shell: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 500.0 + 20.0 * (t * 50.0).sin();
            (r * t.cos(), r * t.sin())
        })
        .collect();
    write_dataset(&out.join("vertices"), &format!(r#"{{"type":"Polygon","coordinates":[{}]}}"#, ring(&shell)))?;

    let mut rings = vec![ring(&square(0.0, 0.0, 600.0))];
    for i in 0..150 {
        for j in 0..150 {
            rings.push(ring(&square(1.0 + 4.0 * i as f64, 1.0 + 4.0 * j as f64, 2.0)));
        }
    }
    write_dataset(&out.join("holes"), &format!(r#"{{"type":"Polygon","coordinates":[{}]}}"#, rings.join(",")))?;

    let mut parts = Vec::new();
    for i in 0..50 {
        for j in 0..50 {
            parts.push(format!("[{}]", ring(&square(10.0 * i as f64, 10.0 * j as f64, 8.0))));
        }
    }
    write_dataset(&out.join("parts"), &format!(r#"{{"type":"MultiPolygon","coordinates":[{}]}}"#, parts.join(",")))?;
    println!("{}", out.display());
    Ok(())
}
