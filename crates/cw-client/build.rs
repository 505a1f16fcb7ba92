//! Writes the resource table's marker types (`resources.txt`, one collection a line) as Rust,
//! for `src/resources.rs` to include: the table stays data, the client stays typed.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=resources.txt");
    let table = fs::read_to_string("resources.txt").expect("resources.txt beside Cargo.toml");
    let mut code = String::new();
    let mut references = Vec::new();
    for (number, line) in table.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        let mut column = || {
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or_else(|| {
                panic!(
                    "resources.txt line {}: marker, model, path, kind and doc",
                    number + 1
                )
            });
            rest = after.trim_start();
            word
        };
        let (marker, model, path, kind) = (column(), column(), column(), column());
        let doc = rest;
        writeln!(code, "#[doc = {doc:?}]\npub enum {marker} {{}}").unwrap();
        if kind == "children" {
            let (parent, child) = path.split_once("/{id}/").unwrap_or_else(|| {
                panic!(
                    "resources.txt line {}: children need {{parent}}/{{id}}/{{child}}",
                    number + 1
                )
            });
            writeln!(
                code,
                "impl Children for {marker} {{ type Item = {model}; const PARENT: &'static str = {parent:?}; const CHILD: &'static str = {child:?}; }}"
            )
            .unwrap();
            continue;
        }
        writeln!(
            code,
            "impl Collection for {marker} {{ type Item = {model}; const PATH: &'static str = {path:?}; }}"
        )
        .unwrap();
        let traits = kind.split('+').map(|part| match part {
            "list" => None,
            "record" => Some("Record"),
            "reference" => Some("ReferenceList"),
            other => panic!(
                "resources.txt line {}: {other} is not list, record, reference or children",
                number + 1
            ),
        });
        for name in traits.flatten() {
            writeln!(code, "impl {name} for {marker} {{}}").unwrap();
        }
        if kind.starts_with("reference") {
            references.push(format!("{path:?}"));
        }
    }
    writeln!(
        code,
        "/// The reference lists' paths: every record, child list and count below them is kept\n/// for a while.\npub const REFERENCE_PATHS: &[&str] = &[{}];",
        references.join(", ")
    )
    .unwrap();
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("resources.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}
