//! Exhaustive and data-driven tests of the module: every letter through every encoding, the real
//! Vietnamese names of `names-vn`, and the European names of the linkage benchmarks (the files in
//! `tests/fixtures`, gzip-compressed; `tests/fixtures/README.md` names their sources).
#![allow(clippy::print_stderr)] // the corpus counts are for the reader of the test log

use std::io::Read;
use std::path::PathBuf;

use unicode_normalization::UnicodeNormalization;

use super::legacy::{decode, detect, encode, Legacy};
use super::letter::all_non_ascii;
use super::syllable::is_vietnamese_word;
use super::{fold, normalize, repair};

/// The text of the gzip-compressed file `tests/fixtures/<name>.gz`.
fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text
}

/// The full names of `names-vn/uit_member.json` (8,757 people; the fixture keeps only this column).
fn uit_names() -> Vec<String> {
    serde_json::from_str(&fixture("names-vn/uit_member.full_name.json")).unwrap()
}

/// The given names of `names-vn/boy.txt` and `girl.txt`.
fn given_names() -> Vec<String> {
    ["boy.txt", "girl.txt"]
        .iter()
        .flat_map(|f| fixture(&format!("names-vn/{f}")).lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// The 67 capitals and 67 small letters VN3 has no capital for: the capitals with a tone mark.
fn tcvn3_caseless(c: char) -> bool {
    c.is_uppercase() && !"ĂÂÊÔƠƯĐ".contains(c)
}

#[test]
fn every_letter_round_trips_through_every_encoding() {
    let letters: Vec<char> = all_non_ascii().collect();
    assert_eq!(letters.len(), 134);
    for e in Legacy::ALL {
        for &c in &letters {
            let s = c.to_string();
            let m = encode(&s, e).unwrap_or_else(|| panic!("{e}: {c} has no encoding"));
            let back = decode(&m, e).unwrap_or_else(|| panic!("{e}: {c} -> {m:?} does not decode"));
            if e == Legacy::Tcvn3 && tcvn3_caseless(c) {
                // VN3 has no capital with a tone: alone it comes back small, in context as a capital.
                assert_eq!(back, c.to_lowercase().to_string(), "{e}: {c}");
                for word in [format!("N{c}N"), format!("An {c}n"), format!("{c}NH")] {
                    assert_eq!(decode(&encode(&word, e).unwrap(), e).unwrap(), word, "{e}: {word}");
                }
            } else {
                assert_eq!(back, s, "{e}: {c} -> {m:?}");
            }
        }
    }
}

#[test]
fn every_pair_of_letters_round_trips() {
    // Adjacent letters: a VNI or CP1258 mark must attach to its own letter, never to the next one.
    let mut letters: Vec<char> = all_non_ascii().filter(|c| !tcvn3_caseless(*c)).collect();
    letters.extend("aeiouyAEIOUYnN".chars());
    for e in Legacy::ALL {
        for &a in &letters {
            for &b in &letters {
                // TCVN3 reads a small toned vowel next to a capital as a capital (see its decode).
                if e == Legacy::Tcvn3 && (a.is_uppercase() != b.is_uppercase()) {
                    continue;
                }
                let s = format!("{a}{b}");
                assert_eq!(decode(&encode(&s, e).unwrap(), e).as_deref(), Some(s.as_str()), "{e}: {s}");
            }
        }
    }
}

#[test]
fn the_encodings_of_known_text() {
    for (text, e, mojibake) in [
        ("Nguyễn Văn An", Legacy::Tcvn3, "NguyÔn V¨n An"),
        ("Thôn Thạch Nham Đông", Legacy::Tcvn3, "Th«n Th¹ch Nham §«ng"),
        ("Lê Thị Hưng", Legacy::Tcvn3, "Lª ThÞ H\u{AD}ng"),
        ("Nguyễn Văn An", Legacy::Vni, "Nguyeãn Vaên An"),
        ("Thôn Thạch Nham Đông", Legacy::Vni, "Thoân Thaïch Nham Ñoâng"),
        ("Nguyễn Văn An", Legacy::Cp1258, "NguyêÞn Vãn An"),
        ("Thôn Thạch Nham Đông", Legacy::Cp1258, "Thôn Thaòch Nham Ðông"),
        ("Trường", Legacy::Cp1258, "TrýõÌng"),
    ] {
        assert_eq!(encode(text, e).unwrap(), mojibake, "{e}: {text}");
        assert_eq!(decode(mojibake, e).unwrap(), text, "{e}: {mojibake}");
        assert_eq!(repair(mojibake), text, "{e}: {mojibake}");
    }
}

#[test]
fn realistic_names_and_addresses_are_detected() {
    let texts = [
        "Nguyễn Văn An",
        "Trần Thị Thu Hà",
        "Lê Hoàng Quân",
        "Phạm Minh Đức",
        "Đặng Thị Hồng Nhung",
        "Võ Thành Tâm",
        "Hoàng Thị Thủy",
        "Bùi Quốc Việt",
        "NGUYỄN THỊ ÁNH",
        "Thôn Thạch Nham Đông, xã Tịnh Sơn, huyện Sơn Tịnh, tỉnh Quảng Ngãi",
        "Số 12 đường Trần Phú, phường Hải Châu 1, quận Hải Châu, Đà Nẵng",
        "Tổ dân phố 5, thị trấn Phú Xuyên",
        "xóm Đồng Tâm, thị xã Sơn Tây",
    ];
    for e in Legacy::ALL {
        for t in texts {
            let m = encode(t, e).unwrap();
            // CP1258 holds some names as they are (`Lê Hoàng Quân`): nothing to detect.
            assert_eq!(detect(&m), (m != t).then_some(e), "{e}: {t} -> {m}");
            assert_eq!(repair(&m), repair(t), "{e}: {m}");
            assert_eq!(fold(&m), fold(t), "{e}: {m}");
        }
    }
}

/// European names in Latin-1: French, German, Spanish, Portuguese, Nordic.
const EUROPEAN: &[&str] = &[
    "François Lefèvre",
    "Jürgen Müller",
    "Gößmann",
    "Zoë Renée Noël",
    "José Peña Ibáñez",
    "João da Conceição",
    "Björn Ødegård",
    "Ægir Þórsson",
    "Hélène Dubois-Crémieux",
    "Ängelholm Åsa Öberg",
    "Sánchez Gómez",
    "Chloé André",
    "Thé Lê",
    "Aïda Çelik",
    "Søren Kierkegaard",
    "Señor Núñez",
    "Ýr Guðmundsdóttir",
    "Ðorđe", // not Latin-1 (đ), so never legacy
    "Thérèse Noémie Anaïs Inès",
    "Loïc Gaël Maëlle Léa Raphaël",
    "Jérôme Benoît Françoise Cécile",
    "Valérie Stéphane Frédéric Sébastien",
    "Mélanie Désirée Zoé",
    "Ólafur Þóra Sigurður Árni",
    "Hafþór Björk Ásgeir Dóra Gísli",
    "Íris Ýmir Ævar Hallgrímur",
    "Où là Çà Hé",
    "Müller-Lüdenscheidt Straße",
    "Ana Patrícia Gonçalves",
    "Zoë Brontë Chloë",
    "Dalí Miró Gaudí",
    "Aurélien Éloïse Ophélie",
    "Loïc Dupont",
];

#[test]
fn clean_text_is_not_detected() {
    for t in EUROPEAN {
        assert_eq!(detect(t), None, "{t}");
        assert_eq!(repair(t), *t);
        for w in t.split(' ') {
            assert_eq!(detect(w), None, "{w}");
        }
    }
    for t in ["Nguyen Van An", "", "  ", "12/3", "Võ Thành Tâm", "Lê Hoàng Quân", "Thôn Hà", "Đà Nẵng"] {
        assert_eq!(detect(t), None, "{t}");
    }
}

/// German names of RLdata10000 with their umlauts and ß put back (the file spells them `UE`, `SS`).
#[test]
fn rldata_and_febrl_names_are_not_detected() {
    let text = fixture("linkage/rldata/RLdata10000.tsv");
    let mut n = 0;
    for line in text.lines().skip(1) {
        for field in line.split('\t').take(4).filter(|f| *f != "NA") {
            for name in
                [field.to_owned(), field.replace("AE", "Ä").replace("OE", "Ö").replace("UE", "Ü").replace("SS", "ß")]
            {
                assert_eq!(detect(&name), None, "{name}");
                let title: String = name
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if i == 0 { c } else { c.to_lowercase().next().unwrap() })
                    .collect();
                assert_eq!(detect(&title), None, "{title}");
                n += 1;
            }
        }
    }
    assert!(n > 20_000, "{n}");
    // The FEBRL fixtures keep the columns rec_id, given_name, surname.
    for file in ["dataset4a", "dataset4b"] {
        let text = fixture(&format!("linkage/febrl/{file}.name.csv"));
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split(", ").collect();
            let name = format!("{} {}", fields[1], fields[2]);
            assert_eq!(detect(&name), None, "{name}");
            assert_eq!(fold(&name), fold(&name.to_uppercase()));
        }
    }
}

/// Whether every non-ASCII word of a text is Vietnamese spelling.
fn reads_as_vietnamese(text: &str) -> bool {
    text.split_whitespace().filter(|w| !w.is_ascii()).all(is_vietnamese_word)
}

/// Whether the repaired text differs from the clean one only in words whose mojibake reads as Vietnamese.
fn kept_ambiguous(mojibake: &str, repaired: &str, clean: &str) -> bool {
    let m: Vec<&str> = mojibake.split_whitespace().collect();
    let r: Vec<&str> = repaired.split_whitespace().collect();
    let c: Vec<&str> = clean.split_whitespace().collect();
    m.len() == r.len()
        && r.len() == c.len()
        && (0..m.len()).all(|i| {
            r[i].to_lowercase() == c[i].to_lowercase()
                || (super::syllable::typed_word_fit(m[i]).is_some() && repair(m[i]) == r[i])
        })
}

#[test]
fn real_vietnamese_names_round_trip_and_are_repaired() {
    let mut names = uit_names();
    assert_eq!(names.len(), 8757);
    names.extend(given_names());
    let mut failures = Vec::new();
    let mut legacy_in_data = Vec::new();
    let mut not_vietnamese = 0;
    // Per encoding: names whose mojibake differs from them, repaired exactly, left alone as ambiguous.
    let mut changed = [0; 3];
    let mut repaired = [0; 3];
    let mut ambiguous = [0; 3];
    for name in &names {
        if let Some(e) = detect(name) {
            legacy_in_data.push(format!("{e}: {name} -> {}", repair(name)));
            continue;
        }
        if !reads_as_vietnamese(name) {
            not_vietnamese += 1;
            continue;
        }
        let clean = repair(name);
        let nfc: String = name.nfc().collect();
        for (k, e) in Legacy::ALL.into_iter().enumerate() {
            // TCVN3 cannot tell `Ánh` from `ánh`; its decoding guesses capitals from the context, right for
            // names written in title case or capitals; the data has a few `Đặng ánh Loan`.
            let same = |a: &str, b: &str| {
                if e == Legacy::Tcvn3 {
                    a.to_lowercase() == b.to_lowercase()
                } else {
                    a == b
                }
            };
            let Some(m) = encode(name, e) else {
                failures.push(format!("{e}: {name}: no encoding"));
                continue;
            };
            if !decode(&m, e).is_some_and(|d| same(&d, &nfc)) {
                failures.push(format!("{e}: {name} -> {m} -> {:?}", decode(&m, e)));
            }
            if m == *name {
                continue;
            }
            changed[k] += 1;
            let r = repair(&m);
            if same(&r, &clean) {
                repaired[k] += 1;
            } else if kept_ambiguous(&m, &r, &clean) {
                // Words whose mojibake is itself a Vietnamese word (`Vãn` for `Văn` in CP1258, `Lý` for `Lư`)
                // are left as they are when nothing else in the name says otherwise.
                ambiguous[k] += 1;
            } else {
                failures.push(format!("{e}: {name} -> {m} -> repair {r}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    eprintln!("changed {changed:?} repaired {repaired:?} ambiguous {ambiguous:?} not Vietnamese {not_vietnamese}");
    assert_eq!(not_vietnamese, 273);
    // The data itself holds legacy text: names typed in VNI into a Unicode form (some half retyped), given
    // names with `Ð` (U+00D0, CP1258's byte for `Đ`) for `Đ`.
    let count = |e: &str| legacy_in_data.iter().filter(|l| l.starts_with(e)).count();
    assert_eq!((count("tcvn3"), count("vni"), count("cp1258")), (0, 30, 26), "{legacy_in_data:#?}");
    for example in [
        "vni: Laâm Tröôøng Sôn -> Lâm Trường Sơn",
        "vni: Ñoã Công Hoan -> Đỗ Công Hoan",
        "vni: Nông Trung Haäu -> Nông Trung Hậu",
        "vni: Lê Hoàng Cöôøng -> Lê Hoàng Cường",
        "vni: Lê Tuaán Vuõ -> Lê Tuấn Vũ",
        "cp1258: Ðông Ðào -> Đông Đào",
    ] {
        assert!(legacy_in_data.iter().any(|l| l == example), "{example}: {legacy_in_data:#?}");
    }
    // Repaired by encoding, of the names whose mojibake differs from them; the rest kept ambiguous words.
    assert_eq!(changed, [10779, 10758, 9868]);
    assert_eq!(repaired, [10771, 10722, 9854]);
}

#[test]
fn normalize_and_fold_agree_on_all_forms_of_a_name() {
    for name in uit_names().iter().take(2000) {
        let nfd: String = name.nfd().collect();
        let upper = name.to_uppercase();
        let spaced = format!("  {}  ", name.replace(' ', "   "));
        let want = normalize(name);
        for form in [&nfd, &upper, &spaced] {
            assert_eq!(normalize(form), want, "{form}");
            assert_eq!(fold(form), fold(name), "{form}");
        }
        assert_eq!(fold(name), fold(&want));
        assert!(fold(name).is_ascii() || !name.is_ascii(), "{name}");
    }
}

/// Random text from a pool of ASCII, Latin-1, Vietnamese letters, legacy symbols, combining marks, CJK and
/// spaces: nothing panics and `fold` leaves no mark; on text of letters, marks and spaces (no legacy symbol
/// that a second pass could read as TCVN3) the three functions are idempotent and agree.
#[test]
fn random_text_is_handled() {
    use rand::{Rng, SeedableRng};
    let mut letters: Vec<char> =
        "aAeEoOuUyYiInNgGhHtTđĐ  \t-.,0ÔÕÞÌÒìòýÝðÐãõüöäïëéèçñ\u{300}\u{301}\u{303}\u{309}\u{323}\u{302}\u{306}\u{31B}\u{AD}中文"
            .chars()
            .collect();
    letters.extend(all_non_ascii());
    let mut all = letters.clone();
    all.extend("¨«§¹ª\u{AD}µ¸ßø€œ\u{200B}".chars());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for round in 0..100_000 {
        let pool = if round % 2 == 0 { &letters } else { &all };
        let len = rng.random_range(0..14);
        let s: String = (0..len).map(|_| pool[rng.random_range(0..pool.len())]).collect();
        let (r, n, f) = (repair(&s), normalize(&s), fold(&s));
        assert!(!f.chars().any(unicode_normalization::char::is_combining_mark), "{s:?} -> {f:?}");
        for e in Legacy::ALL {
            if let Some(m) = encode(&s, e) {
                decode(&m, e);
            }
            decode(&s, e);
        }
        if round % 2 == 0 {
            let at = s.escape_unicode();
            assert_eq!(repair(&r), r, "{at}");
            assert_eq!(normalize(&n), n, "{at}");
            assert_eq!(fold(&f), f, "{at}");
            assert_eq!(n, normalize(&r), "{at}");
            assert_eq!(fold(&n), f, "{at}");
        }
    }
}
