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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically (temporary file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
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
    /// Tables written (file names in the experiment folder).
    pub tables: Vec<String>,
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

    /// Creates the folders.
    pub fn create(&self) -> Result<()> {
        std::fs::create_dir_all(self.points_dir())
            .with_context(|| format!("cannot create output folder {}", self.points_dir().display()))
    }

    /// The stored record of `key` if it exists and was computed for exactly
    /// this point and seed; a record of another grid or seed is stale.
    pub fn matching_record(&self, key: &str, point: &Value, seed: u64) -> Option<StoredRecord> {
        let path = self.record_path(key);
        if !path.exists() {
            return None;
        }
        // An unreadable record (written by another version, say) is simply
        // recomputed.
        let stored: StoredRecord = read_json(&path).ok()?;
        (stored.seed == seed && &stored.point == point).then_some(stored)
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
    }
}
