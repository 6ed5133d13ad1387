//! What `summarize` writes: tidy tables (CSV) and figures (SVG), into the
//! experiment's folder.

use super::experiment::Profile;
use super::plot::Figure;
use super::store::write_atomic;
use anyhow::{Result, bail, ensure};
use std::path::PathBuf;

/// One table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// An integer.
    Int(i64),
    /// A real number, written in Rust's shortest round-trip form.
    Num(f64),
    /// Text.
    Text(String),
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Num(v)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<u64> for Cell {
    fn from(v: u64) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Int(v) => write!(f, "{v}"),
            Cell::Num(v) => write!(f, "{v}"),
            Cell::Text(v) => f.write_str(v),
        }
    }
}

/// A tidy table: one row per observation, one column per variable.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(columns: &[&str]) -> Self {
        Self { columns: columns.iter().map(|c| (*c).to_owned()).collect(), rows: Vec::new() }
    }

    /// Appends a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) -> Result<()> {
        ensure!(
            row.len() == self.columns.len(),
            "table row has {} cells for {} columns",
            row.len(),
            self.columns.len()
        );
        self.rows.push(row);
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The CSV text.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns)?;
        for row in &self.rows {
            w.write_record(row.iter().map(|c| c.to_string()))?;
        }
        Ok(w.into_inner()?)
    }
}

/// Where a summary writes, and what it has written.
#[derive(Debug)]
pub struct Output {
    dir: PathBuf,
    profile: Profile,
    seed: u64,
    figures: Vec<String>,
    captions: std::collections::BTreeMap<String, String>,
    tables: Vec<String>,
}

/// What an experiment's summary wrote: figure files, their captions and
/// table files.
#[derive(Debug, Default)]
pub struct Files {
    /// Figure files, in order.
    pub figures: Vec<String>,
    /// Caption of each figure file.
    pub captions: std::collections::BTreeMap<String, String>,
    /// Table files, in order.
    pub tables: Vec<String>,
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bail!("invalid output name {name:?}: use [A-Za-z0-9_-]");
    }
    Ok(())
}

impl Output {
    /// Output into `dir` (the experiment folder).
    pub fn new(dir: PathBuf, profile: Profile, seed: u64) -> Self {
        Self { dir, profile, seed, figures: Vec::new(), captions: Default::default(), tables: Vec::new() }
    }

    /// The profile being summarised.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The master seed of the records.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Writes `<name>.csv`. By convention the table a figure is drawn from is
    /// called `table`.
    pub fn table(&mut self, name: &str, table: &Table) -> Result<()> {
        check_name(name)?;
        let file = format!("{name}.csv");
        write_atomic(&self.dir.join(&file), &table.to_csv()?)?;
        self.tables.push(file);
        Ok(())
    }

    /// Renders and writes `<name>.svg`. The figure must have a caption
    /// (which paper figure it reproduces, what to see): the report prints it
    /// under the figure.
    pub fn figure(&mut self, name: &str, figure: &Figure) -> Result<()> {
        check_name(name)?;
        if figure.caption.trim().is_empty() {
            bail!("figure {name:?} ({:?}) has no caption: say which paper figure it reproduces", figure.title);
        }
        let file = format!("{name}.svg");
        write_atomic(&self.dir.join(&file), figure.to_svg()?.as_bytes())?;
        self.captions.insert(file.clone(), figure.caption.clone());
        self.figures.push(file);
        Ok(())
    }

    /// The figure and table files written, in order, with the captions.
    pub fn into_files(self) -> Files {
        Files { figures: self.figures, captions: self.captions, tables: self.tables }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_checks_widths() {
        let mut t = Table::new(&["d", "label", "value"]);
        t.push(vec![Cell::from(3usize), Cell::from("a,b"), Cell::from(0.1)]).unwrap();
        assert!(t.push(vec![Cell::from(1usize)]).is_err());
        let text = String::from_utf8(t.to_csv().unwrap()).unwrap();
        assert_eq!(text, "d,label,value\n3,\"a,b\",0.1\n");
    }

    #[test]
    fn names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Output::new(dir.path().to_owned(), Profile::Smoke, 1);
        assert!(out.table("../x", &Table::new(&["a"])).is_err());
        out.table("table", &Table::new(&["a"])).unwrap();
        assert_eq!(out.into_files().tables, vec!["table.csv".to_owned()]);
    }
}
