//! Helpers shared by the lab's integration tests (included with `mod common`).

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the `xtask` binary with `args`, outside any Slurm array.
pub fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .output()
        .expect("the xtask binary runs")
}

/// `xtask experiments run ARGS --out OUT`, asserting success.
pub fn run_ok(out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["experiments", "run", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = xtask(&all);
    assert!(o.status.success(), "xtask {all:?} failed:\n{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Every stored `record` under `out`, keyed by (experiment id, point key).
pub fn records(out: &Path) -> BTreeMap<(String, String), Value> {
    let mut map = BTreeMap::new();
    for exp in std::fs::read_dir(out).unwrap().flatten() {
        let points = exp.path().join("points");
        if !points.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&points).unwrap().flatten() {
            let name = f.file_name().into_string().unwrap();
            assert!(!name.ends_with(".tmp"), "a temporary file was left behind: {name}");
            if !name.ends_with(".json") {
                continue;
            }
            let v: Value = serde_json::from_slice(&std::fs::read(f.path()).unwrap()).unwrap();
            let id = v["experiment"].as_str().unwrap().to_owned();
            let key = v["key"].as_str().unwrap().to_owned();
            map.insert((id, key), v["record"].clone());
        }
    }
    map
}

/// The claims of every summary under `out`, keyed by experiment id.
pub fn claims(out: &Path) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for exp in std::fs::read_dir(out).unwrap().flatten() {
        let path = exp.path().join("summary.json");
        if path.exists() {
            let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            map.insert(v["id"].as_str().unwrap().to_owned(), v["claims"].clone());
        }
    }
    map
}

/// The ids the binary lists.
pub fn listed_ids() -> Vec<String> {
    let o = xtask(&["experiments", "list", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}
