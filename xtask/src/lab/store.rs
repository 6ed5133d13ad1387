//! The result store: where each file lives, atomic writes, and reading
//! records back.
//!
//! ```text
//! <out>/<id>/run.json                  profile and seed of the latest run (lets `report` rebuild)
//! <out>/<id>/points/<key>.json         one record per grid point
//! <out>/<id>/summary.json              meta, profile, seed, timing, claims, files
//! <out>/<id>/<name>.csv, <name>.svg    tables and figures
//! <out>/report.md, <out>/index.html    the report
//! ```
//!
//! Every file is written to a temporary name in the same folder, flushed to
//! disk, then renamed over the target, so a killed run leaves either the old
//! file or the new one, never a torn one.

use super::claim::Claim;
use super::experiment::{Meta, Profile};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temporary file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    infoflow_numerics::fs::write_bytes_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Reads and parses a JSON file.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

/// One point's stored result: `points/<key>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// Experiment id.
    pub experiment: String,
    /// Point key.
    pub key: String,
    /// Master seed the point ran under.
    pub seed: u64,
    /// The grid point.
    pub point: Value,
    /// What it measured.
    pub record: Value,
    /// Wall-clock seconds the point took.
    pub wall_seconds: f64,
}

/// `run.json`: what the latest `run` of an experiment in this folder asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Experiment id.
    pub experiment: String,
    /// Profile.
    pub profile: Profile,
    /// Master seed.
    pub seed: u64,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Experiment id.
    pub id: String,
    /// Title.
    pub title: String,
    /// arXiv id.
    pub paper: String,
    /// What it reproduces.
    pub figure: String,
    /// Profile of the records.
    pub profile: Profile,
    /// Master seed of the records.
    pub seed: u64,
    /// Number of grid points.
    pub points: usize,
    /// Wall-clock seconds of the invocation that wrote this summary: the
    /// points it computed plus summarising (points resumed from earlier runs
    /// are not included).
    pub wall_seconds: f64,
    /// Sum over all points of the seconds each took, whenever it ran:
    /// comparable across resumed, sharded and threaded runs.
    pub point_seconds: f64,
    /// The claims.
    pub claims: Vec<Claim>,
    /// Whether every claim passed.
    pub passed: bool,
    /// Figures written (file names in the experiment folder).
    pub figures: Vec<String>,
    /// The caption of each figure (file name → caption).
    #[serde(default)]
    pub captions: std::collections::BTreeMap<String, String>,
    /// Tables written (file names in the experiment folder).
    pub tables: Vec<String>,
    /// [`records_digest`] of the records this summary was computed from:
    /// the report shows a summary only while its records still hash to it.
    #[serde(default)]
    pub records_digest: String,
}

/// A digest of the records a summary is computed from (XXH3 of their JSON,
/// in grid order), so that a summary older than its records is recognised.
pub fn records_digest(records: &[StoredRecord]) -> String {
    let text = serde_json::to_string(&records.iter().map(|r| (&r.key, &r.point, &r.record)).collect::<Vec<_>>())
        .expect("JSON values serialise");
    format!("{:016x}", infoflow_numerics::rng::stable_hash_str(&text))
}

/// The state of one point's record file.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordState {
    /// No file.
    Missing,
    /// A file that cannot be read or parsed (truncated, corrupted, written
    /// by another version); the reason.
    Unreadable(String),
    /// A readable record of another grid point or seed.
    Stale,
    /// The record of exactly this point and seed.
    Ready(Box<StoredRecord>),
}

impl RecordState {
    /// The record, when it is ready.
    pub fn ready(self) -> Option<StoredRecord> {
        match self {
            RecordState::Ready(r) => Some(*r),
            _ => None,
        }
    }
}

/// What the records of a grid amount to: all of them, or a description of
/// what is missing.
#[derive(Clone, Debug, PartialEq)]
pub enum Records {
    /// Every point has its record, in grid order.
    Complete(Vec<StoredRecord>),
    /// Not every point has a usable record.
    Incomplete {
        /// Points with a usable record.
        ready: usize,
        /// Points of the grid.
        points: usize,
        /// What is wrong, in one line (counts and the first few keys).
        reason: String,
    },
}

/// Paths of one experiment's results.
#[derive(Clone, Debug)]
pub struct ExperimentDir {
    root: PathBuf,
}

impl ExperimentDir {
    /// `<out>/<id>`.
    pub fn new(out: &Path, meta: &Meta) -> Self {
        Self { root: out.join(meta.id) }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<out>/<id>/points`.
    pub fn points_dir(&self) -> PathBuf {
        self.root.join("points")
    }

    /// `<out>/<id>/points/<key>.json`.
    pub fn record_path(&self, key: &str) -> PathBuf {
        self.points_dir().join(format!("{key}.json"))
    }

    /// `<out>/<id>/run.json`.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("run.json")
    }

    /// `<out>/<id>/summary.json`.
    pub fn summary_path(&self) -> PathBuf {
        self.root.join("summary.json")
    }

    /// Removes `summary.json` (if any): called whenever the records no
    /// longer support it, so that no stale verdict survives.
    pub fn remove_summary(&self) -> Result<()> {
        match std::fs::remove_file(self.summary_path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(anyhow::Error::new(e).context(format!("removing the stale {}", self.summary_path().display())))
            }
            _ => Ok(()),
        }
    }

    /// Creates the folders.
    pub fn create(&self) -> Result<()> {
        std::fs::create_dir_all(self.points_dir())
            .with_context(|| format!("cannot create output folder {}", self.points_dir().display()))
    }

    /// The state of the record of `key` for exactly this point and seed; a
    /// record of another grid or seed is stale.
    pub fn record(&self, key: &str, point: &Value, seed: u64) -> RecordState {
        let path = self.record_path(key);
        if !path.exists() {
            return RecordState::Missing;
        }
        match read_json::<StoredRecord>(&path) {
            Err(e) => RecordState::Unreadable(format!("{e:#}")),
            Ok(stored) if stored.seed == seed && &stored.point == point && stored.key == key => {
                RecordState::Ready(Box::new(stored))
            }
            Ok(_) => RecordState::Stale,
        }
    }

    /// The stored record of `key` if it exists and was computed for exactly
    /// this point and seed. An unreadable record (torn, or written by another
    /// version) is recomputed by `run`.
    pub fn matching_record(&self, key: &str, point: &Value, seed: u64) -> Option<StoredRecord> {
        self.record(key, point, seed).ready()
    }

    /// Reads the records of every point of a grid `(key, point)` under
    /// `seed`.
    pub fn records<'a>(&self, points: impl IntoIterator<Item = (&'a str, &'a Value)>, seed: u64) -> Records {
        let (mut ready, mut missing, mut unreadable, mut stale) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut total = 0;
        for (key, point) in points {
            total += 1;
            match self.record(key, point, seed) {
                RecordState::Ready(r) => ready.push(*r),
                RecordState::Missing => missing.push(key),
                RecordState::Unreadable(why) => unreadable.push(format!("{key} ({why})")),
                RecordState::Stale => stale.push(key),
            }
        }
        if ready.len() == total {
            return Records::Complete(ready);
        }
        let list = |what: &str, items: &[String]| {
            let shown: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
            let more = if items.len() > 3 { format!(" and {} more", items.len() - 3) } else { String::new() };
            format!("{} {what}: {}{more}", items.len(), shown.join(", "))
        };
        let mut parts = vec![format!("{} of {total} points have records", ready.len())];
        if !unreadable.is_empty() {
            parts.push(list("unreadable", &unreadable));
        }
        if !missing.is_empty() {
            parts.push(list("missing", &missing.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
        }
        if !stale.is_empty() {
            parts.push(list("of another seed or grid", &stale.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
        }
        Records::Incomplete { ready: ready.len(), points: total, reason: parts.join("; ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_json(&path, &serde_json::json!({"x": 1})).unwrap();
        write_json(&path, &serde_json::json!({"x": 2})).unwrap();
        let v: Value = read_json(&path).unwrap();
        assert_eq!(v["x"], 2);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
    }

    #[test]
    fn atomic_write_into_a_missing_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/a.json"), b"x").unwrap_err();
        assert!(format!("{err:#}").contains("nope"));
    }

    #[test]
    fn stale_records_do_not_match() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta { id: "t.x", title: "", paper: "", figure: "" };
        let exp = ExperimentDir::new(dir.path(), &meta);
        exp.create().unwrap();
        let point = serde_json::json!({"d": 3});
        let rec = StoredRecord {
            experiment: "t.x".into(),
            key: "d=3".into(),
            seed: 7,
            point: point.clone(),
            record: serde_json::json!({"v": 1.5}),
            wall_seconds: 0.1,
        };
        write_json(&exp.record_path("d=3"), &rec).unwrap();
        assert_eq!(exp.matching_record("d=3", &point, 7), Some(rec));
        assert_eq!(exp.matching_record("d=3", &point, 8), None);
        assert_eq!(exp.matching_record("d=3", &serde_json::json!({"d": 4}), 7), None);
        std::fs::write(exp.record_path("d=3"), b"{ torn").unwrap();
        assert_eq!(exp.matching_record("d=3", &point, 7), None);
        assert!(matches!(exp.record("d=3", &point, 7), RecordState::Unreadable(_)));
        match exp.records([("d=3", &point), ("d=4", &point)], 7) {
            Records::Incomplete { ready, points, reason } => {
                assert_eq!((ready, points), (0, 2));
                assert!(reason.contains("1 unreadable: d=3") && reason.contains("1 missing: d=4"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
}
