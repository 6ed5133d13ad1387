//! The lab's command line end to end: every experiment at the smoke profile,
//! sharding, threads, resuming after a kill, and bad input.

mod common;

use common::{claims, listed_ids, records, run_ok, xtask};
use serde_json::Value;
use std::path::Path;

#[test]
fn every_experiment_passes_its_claims_at_smoke_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run_ok(out, &["--profile", "smoke"]);
    let ids = listed_ids();
    assert!(!ids.is_empty());
    for id in &ids {
        let path = out.join(id).join("summary.json");
        let s: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for field in [
            "id",
            "title",
            "paper",
            "figure",
            "profile",
            "seed",
            "points",
            "wall_seconds",
            "point_seconds",
            "claims",
            "passed",
            "figures",
            "tables",
        ] {
            assert!(s.get(field).is_some(), "{id}: summary.json lacks {field}");
        }
        assert_eq!(s["id"], id.as_str());
        assert_eq!(s["profile"], "smoke");
        let claims = s["claims"].as_array().unwrap();
        assert!(!claims.is_empty(), "{id} makes no claims");
        for c in claims {
            for field in ["name", "statement", "expected", "measured", "tolerance", "pass"] {
                assert!(c.get(field).is_some(), "{id}: a claim lacks {field}");
            }
            // Every tolerance or bound states where it comes from.
            assert!(
                c["basis"].as_str().is_some_and(|b| !b.trim().is_empty()),
                "{id}: claim {} states no basis",
                c["name"]
            );
            if c["target"] == true {
                // An engineering target is reported as met or missed; a miss
                // does not fail the experiment, but it must be measured.
                assert!(c["measured"].as_f64().is_some_and(f64::is_finite), "{id}: target not measured: {c}");
            } else if c.get("discrepancy").is_none() {
                assert_eq!(c["pass"], true, "{id}: claim failed: {c}");
            }
        }
        for f in s["figures"].as_array().unwrap() {
            let svg = std::fs::read_to_string(out.join(id).join(f.as_str().unwrap())).unwrap();
            assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        }
        for t in s["tables"].as_array().unwrap() {
            assert!(out.join(id).join(t.as_str().unwrap()).exists());
        }
        assert!(out.join(id).join("table.csv").exists(), "{id} has no table.csv");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for id in &ids {
        assert!(md.contains(id.as_str()) && html.contains(id.as_str()));
    }
    assert!(html.contains("<svg"), "figures are inlined in index.html");
    assert!(!html.contains("class=\"FAIL\""));
}

#[test]
fn sharded_runs_merge_to_the_unsharded_records() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(a.path(), &["--profile", "smoke"]);
    run_ok(b.path(), &["--profile", "smoke", "--shard", "0/2"]);
    assert!(!b.path().join("index.html").exists(), "a shard does not write the report");
    run_ok(b.path(), &["--profile", "smoke", "--shard", "1/2"]);
    let o = xtask(&["experiments", "report", "--out", b.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ra, rb) = (records(a.path()), records(b.path()));
    assert!(!ra.is_empty());
    assert_eq!(ra, rb);
    assert_eq!(claims(a.path()), claims(b.path()));
    assert!(b.path().join("index.html").exists());
}

#[test]
fn thread_count_does_not_change_records() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(a.path(), &["--profile", "smoke", "--threads", "1"]);
    run_ok(b.path(), &["--profile", "smoke", "--threads", "2"]);
    assert_eq!(records(a.path()), records(b.path()));
    assert_eq!(claims(a.path()), claims(b.path()));
}

fn mtimes(dir: &Path) -> Vec<(String, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().into_string().unwrap(), e.metadata().unwrap().modified().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn an_interrupted_run_resumes_to_identical_results() {
    let (full, partial) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(full.path(), &["--profile", "smoke"]);
    run_ok(partial.path(), &["--profile", "smoke"]);
    // Simulate a run killed midway: half the records gone, a torn temporary
    // file left behind, no summary.
    let id = &listed_ids()[0];
    let points = partial.path().join(id).join("points");
    let mut files: Vec<_> = std::fs::read_dir(&points).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files.iter().step_by(2) {
        std::fs::remove_file(f).unwrap();
    }
    std::fs::write(points.join(".d=8.json.4242.0.tmp"), b"{ torn").unwrap();
    std::fs::remove_file(partial.path().join(id).join("summary.json")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let kept: Vec<_> = mtimes(&points).into_iter().filter(|(n, _)| !n.ends_with(".tmp")).collect();

    let o = run_ok(partial.path(), &["--profile", "smoke"]);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("resumed"), "{log}");
    std::fs::remove_file(points.join(".d=8.json.4242.0.tmp")).unwrap();
    assert_eq!(records(full.path()), records(partial.path()));
    assert_eq!(claims(full.path()), claims(partial.path()));
    // Records that survived were skipped, not recomputed.
    let after = mtimes(&points);
    for (name, t) in kept {
        assert_eq!(after.iter().find(|(n, _)| *n == name).map(|(_, m)| *m), Some(t), "{name} was rewritten");
    }
}

#[test]
fn a_killed_run_loses_nothing_that_finished() {
    let (killed, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let id = listed_ids()[0].clone();
    let args =
        ["experiments", "run", &id, "--profile", "quick", "--threads", "1", "--out", killed.path().to_str().unwrap()];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let points = killed.path().join(&id).join("points");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let done = std::fs::read_dir(&points)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count())
            .unwrap_or(0);
        if done >= 1 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let survived = records(killed.path());
    run_ok(killed.path(), &[&id, "--profile", "quick"]);
    run_ok(clean.path(), &[&id, "--profile", "quick"]);
    let (after, reference) = (records(killed.path()), records(clean.path()));
    assert_eq!(after, reference);
    for (k, v) in survived {
        assert_eq!(reference.get(&k), Some(&v), "a record written before the kill differs");
    }
}

fn assert_one_line_error(args: &[&str], needle: &str) {
    let o = xtask(args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should exit 2");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?} printed more than one line:\n{err}");
    assert!(err.contains(needle), "{args:?}: {err:?} does not mention {needle:?}");
}

#[test]
fn bad_input_exits_non_zero_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert_one_line_error(&["experiments", "run", "no.such-experiment", "--out", out], "unknown experiment");
    assert_one_line_error(&["experiments", "run", "--shard", "2/2", "--out", out], "shard");
    assert_one_line_error(&["experiments", "run", "--shard", "one/two", "--out", out], "shard");
    assert_one_line_error(&["experiments", "run", "--threads", "0", "--out", out], "threads");
    assert_one_line_error(&["experiments", "run", "--threads", "100000", "--out", out], "threads");
    assert_one_line_error(&["experiments", "run", "", "--out", out], "empty experiment id");
    assert_one_line_error(&["experiments", "run", "numerics", " ", "--out", out], "empty experiment id");
    assert_one_line_error(&["experiments", "report", "--out", out], "no experiment results");
    assert_one_line_error(&["experiments", "run", "--profile", "huge", "--out", out], "profile");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let below_file = file.join("results");
    assert_one_line_error(
        &["experiments", "run", "--out", below_file.to_str().unwrap()],
        "cannot write to output folder",
    );
    assert_one_line_error(
        &["experiments", "report", "--out", dir.path().join("missing").to_str().unwrap()],
        "no results folder",
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["experiments", "run", "--profile", "smoke", "--out", out])
        .env("SLURM_ARRAY_TASK_ID", "5")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Slurm"));
}

#[test]
fn slurm_array_variables_select_the_shard() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(a.path(), &["--profile", "smoke", "--shard", "1/3"]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["experiments", "run", "--profile", "smoke", "--out", b.path().to_str().unwrap()])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(records(a.path()), records(b.path()));
}

#[test]
fn list_json_names_every_experiment() {
    let o = xtask(&["experiments", "list", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert!(list.iter().any(|e| e["id"] == "numerics.sphere-inner-products"));
    for e in list {
        for field in ["id", "title", "paper", "figure"] {
            assert!(e[field].as_str().is_some_and(|s| !s.is_empty()), "{field} missing in {e}");
        }
        for p in ["smoke", "quick", "paper"] {
            assert!(e["points"][p].as_u64().unwrap() > 0);
        }
    }
    let text = xtask(&["experiments", "list"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("numerics.sphere-inner-products"));
}

const CHEAP: &str = "numerics.sphere-inner-products";

#[test]
fn a_damaged_record_makes_the_report_incomplete_not_a_stale_pass() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run_ok(out, &[CHEAP, "--profile", "smoke"]);
    let report = |out: &Path| xtask(&["experiments", "report", "--out", out.to_str().unwrap()]);
    assert!(report(out).status.success());
    let points = out.join(CHEAP).join("points");
    let mut files: Vec<_> = std::fs::read_dir(&points).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let victim = &files[0];
    let bytes = std::fs::read(victim).unwrap();
    let damages: [(&str, Option<Vec<u8>>); 3] = [
        ("truncated", Some(bytes[..bytes.len() / 2].to_vec())),
        ("corrupted", Some(b"\x00\xffnot json at all".to_vec())),
        ("missing", None),
    ];
    for (what, damage) in damages {
        match &damage {
            Some(b) => std::fs::write(victim, b).unwrap(),
            None => std::fs::remove_file(victim).unwrap(),
        }
        let o = report(out);
        let log = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: report must fail:\n{log}");
        assert!(log.contains("INCOMPLETE"), "{what}: {log}");
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        let row = md.lines().find(|l| l.starts_with(&format!("| [{CHEAP}]"))).unwrap();
        assert!(row.contains("INCOMPLETE") && !row.contains("PASS"), "{what}: {row}");
        assert!(md.contains("1 incomplete"), "{what}: the top line counts it:\n{md}");
        let expected_word = if what == "missing" { "missing" } else { "unreadable" };
        assert!(md.contains(expected_word), "{what}: the report says why:\n{md}");
        assert!(html.contains("INCOMPLETE") && !html.contains("class=\"PASS\""), "{what}");
        assert!(!out.join(CHEAP).join("summary.json").exists(), "{what}: a stale summary survived");
        // The next run recomputes the damaged point and the verdict returns.
        run_ok(out, &[CHEAP, "--profile", "smoke"]);
        let record = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap()["record"].clone();
        assert_eq!(record(&std::fs::read(victim).unwrap()), record(&bytes), "{what}: recomputed identically");
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains("0 incomplete"), "{what}:\n{md}");
    }
}

#[test]
fn a_record_of_an_older_type_is_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run_ok(out, &[CHEAP, "--profile", "smoke"]);
    let points = out.join(CHEAP).join("points");
    let mut files: Vec<_> = std::fs::read_dir(&points).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let victim = &files[0];
    let original: Value = serde_json::from_slice(&std::fs::read(victim).unwrap()).unwrap();
    // Same key, point and seed; the record of a type with other fields.
    let mut old = original.clone();
    old["record"] = serde_json::json!({ "a_field_this_version_does_not_have": 1 });
    std::fs::write(victim, serde_json::to_vec(&old).unwrap()).unwrap();
    let o = run_ok(out, &[CHEAP, "--profile", "smoke"]);
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(log.contains(", 1 run,"), "the old-type record is recomputed:\n{log}");
    let now: Value = serde_json::from_slice(&std::fs::read(victim).unwrap()).unwrap();
    assert_eq!(now["record"], original["record"], "recomputed identically");
}

#[test]
fn a_summary_older_than_its_records_is_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    run_ok(out, &[CHEAP, "--profile", "smoke"]);
    // Edit a record behind the summary's back (a valid record, another value).
    let points = out.join(CHEAP).join("points");
    let file = std::fs::read_dir(&points).unwrap().flatten().map(|e| e.path()).next().unwrap();
    let mut v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let obj = v["record"].as_object_mut().unwrap();
    let key = obj.keys().next().unwrap().clone();
    obj.insert(key, serde_json::json!(null));
    std::fs::write(&file, serde_json::to_vec(&v).unwrap()).unwrap();
    let entries = xtask::lab::report::collect(&xtask::experiments::registry(), out).unwrap();
    let entry = entries.iter().find(|e| matches!(e, xtask::lab::report::Entry::Incomplete { id, .. } if id == CHEAP));
    assert!(entry.is_some(), "{entries:?}");
}

#[test]
fn the_default_output_folder_is_results_under_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["experiments", "run", CHEAP, "--profile", "smoke"])
        .current_dir(dir.path())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("results").join(CHEAP).join("summary.json").exists());
    assert!(dir.path().join("results").join("index.html").exists());
}
