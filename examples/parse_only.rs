#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let p = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let cols: Vec<Option<String>> = ["parcel_id", "MaXa", "SoTo", "SoThua", "ToDanPho", "x", "DienTich"]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let t = std::time::Instant::now();
    let mut n = 0usize;
    thuadat::dataset::geojson::read(&p, &cols, &mut |_f, _| {
        n += 1;
        Ok(())
    })
    .unwrap();
    println!("{n} features parsed in {:.2} s", t.elapsed().as_secs_f64());
}
