//! The report: `report.md` and a self-contained `index.html` with every
//! figure inlined, built from the `summary.json` files in the output folder.

use super::claim::{Claim, Expected};
use super::experiment::DynExperiment;
use super::store::{ExperimentDir, Manifest, Records, Summary, read_json, records_digest, write_atomic};
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;

/// One experiment's entry in the report.
#[derive(Debug)]
pub enum Entry {
    /// Summarised: every point has a record.
    Done(Box<Summary>),
    /// Run (a `run.json` exists) but not every point has a usable record,
    /// or no summary matches the records.
    Incomplete {
        /// Experiment id.
        id: String,
        /// Title.
        title: String,
        /// What is missing, in one line.
        reason: String,
    },
}

/// Counts of what the report shows.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Experiments summarised.
    pub experiments: usize,
    /// Experiments run but incomplete.
    pub incomplete: usize,
    /// Claims in total (targets not included).
    pub claims: usize,
    /// Claims that failed.
    pub failed: usize,
    /// Engineering targets in total.
    pub targets: usize,
    /// Targets missed.
    pub missed: usize,
    /// Claims that do not hold and are documented discrepancies (counted in
    /// `claims`, not in `failed`).
    pub discrepancies: usize,
}

impl Totals {
    /// Adds one experiment's claims.
    pub fn add_claims(&mut self, claims: &[Claim]) {
        self.claims += claims.iter().filter(|c| !c.target).count();
        self.failed += claims.iter().filter(|c| !c.acceptable()).count();
        self.discrepancies += claims.iter().filter(|c| !c.target && !c.pass && c.discrepancy.is_some()).count();
        self.targets += claims.iter().filter(|c| c.target).count();
        self.missed += claims.iter().filter(|c| c.target && !c.pass).count();
    }

    /// `"47/49 claims pass, 2 documented discrepancies, 0/1 targets met"`
    /// (the discrepancy and target parts only when there are some).
    pub fn claims_line(&self) -> String {
        let passed = self.claims - self.failed - self.discrepancies;
        let mut line = format!("{passed}/{} claims pass", self.claims);
        if self.discrepancies > 0 {
            line.push_str(&format!(
                ", {} documented discrepanc{}",
                self.discrepancies,
                if self.discrepancies == 1 { "y" } else { "ies" }
            ));
        }
        if self.targets > 0 {
            line.push_str(&format!(", {}/{} targets met", self.targets - self.missed, self.targets));
        }
        line
    }
}

/// Collects the entries of every registered experiment present in `out`.
///
/// The records decide, not the summary file: an experiment is shown as done
/// only when every grid point of its latest `run.json` has a readable record
/// and `summary.json` was computed from exactly those records (same profile,
/// seed and [`records_digest`]). Anything else (a record missing, truncated
/// or corrupted, a summary older than its records, an unreadable manifest or
/// summary) is an incomplete entry that says why.
pub fn collect(registry: &[Box<dyn DynExperiment>], out: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for exp in registry {
        let meta = exp.meta();
        let dir = ExperimentDir::new(out, &meta);
        if !dir.manifest_path().exists() {
            continue;
        }
        let incomplete =
            |reason: String| Entry::Incomplete { id: meta.id.to_owned(), title: meta.title.to_owned(), reason };
        let entry = (|| -> Result<Entry> {
            let manifest: Manifest = read_json(&dir.manifest_path())?;
            let points = exp.points(manifest.profile)?;
            let records = match dir.records(points.iter().map(|p| (p.key.as_str(), &p.value)), manifest.seed) {
                Records::Complete(r) => r,
                Records::Incomplete { reason, .. } => return Ok(incomplete(reason)),
            };
            if !dir.summary_path().exists() {
                return Ok(incomplete(
                    "every point has a record but there is no summary (summarising failed, or run `report`)".into(),
                ));
            }
            let summary: Summary = read_json(&dir.summary_path())?;
            if summary.profile != manifest.profile
                || summary.seed != manifest.seed
                || summary.records_digest != records_digest(&records)
            {
                return Ok(incomplete("the summary is older than the records (run `report` to rebuild it)".into()));
            }
            Ok(Entry::Done(Box::new(summary)))
        })();
        entries.push(entry.unwrap_or_else(|e| incomplete(format!("{e:#}"))));
    }
    Ok(entries)
}

/// Writes `out/report.md` and `out/index.html` and returns the totals.
pub fn write(registry: &[Box<dyn DynExperiment>], out: &Path) -> Result<Totals> {
    let entries = collect(registry, out)?;
    let mut totals = Totals::default();
    for e in &entries {
        match e {
            Entry::Done(s) => {
                totals.experiments += 1;
                totals.add_claims(&s.claims);
            }
            Entry::Incomplete { .. } => totals.incomplete += 1,
        }
    }
    write_atomic(&out.join("report.md"), markdown(&entries, &totals).as_bytes())?;
    write_atomic(&out.join("index.html"), html(&entries, &totals, out).as_bytes())?;
    Ok(totals)
}

/// A number with four significant digits.
pub fn fmt_value(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

fn fmt_expected(c: &Claim) -> String {
    match c.expected {
        Expected::Value(v) => fmt_value(v),
        Expected::Interval([lo, hi]) => format!("[{}, {}]", fmt_value(lo), fmt_value(hi)),
    }
}

fn fmt_measured(c: &Claim) -> String {
    let value = c.measured.map_or_else(|| "not finite".into(), fmt_value);
    match c.interval {
        Some([lo, hi]) => format!("{value} [{}, {}]", fmt_value(lo), fmt_value(hi)),
        None => value,
    }
}

fn comparison_symbol(c: &Claim) -> &'static str {
    use super::claim::Comparison::*;
    match c.comparison {
        Close => "within ± tol of",
        RelativelyClose => "within ± tol·|expected| of",
        AtMost => "≤",
        AtLeast => "≥",
        Inside => "in",
        Covers => "inside the measured interval:",
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// A claim's verdict; targets read "MET" or "MISSED".
fn claim_verdict(c: &Claim) -> &'static str {
    match (c.target, c.pass) {
        (true, true) => "MET",
        (true, false) => "MISSED",
        (false, false) if c.discrepancy.is_some() => "DISCREPANCY",
        (false, pass) => verdict(pass),
    }
}

fn anchor(id: &str) -> String {
    id.replace('.', "-")
}

fn header_line(t: &Totals) -> String {
    format!("{} experiment(s) summarised, {} incomplete; {}.", t.experiments, t.incomplete, t.claims_line())
}

fn markdown(entries: &[Entry], totals: &Totals) -> String {
    let mut md = String::from("# infoflow experiment report\n\n");
    let _ = writeln!(md, "{}\n", header_line(totals));
    md.push_str(
        "| experiment | paper | profile | points | claims | compute (s) | status |\n|---|---|---|---|---|---|---|\n",
    );
    for e in entries {
        match e {
            Entry::Done(s) => {
                let pass = s.claims.iter().filter(|c| c.pass).count();
                let _ = writeln!(
                    md,
                    "| [{}](#{}) | arXiv {} | {} | {} | {}/{} | {:.1} | {} |",
                    s.id,
                    anchor(&s.id),
                    s.paper,
                    s.profile,
                    s.points,
                    pass,
                    s.claims.len(),
                    s.point_seconds,
                    verdict(s.passed)
                );
            }
            Entry::Incomplete { id, .. } => {
                let _ = writeln!(md, "| [{id}](#{}) | | | | | | INCOMPLETE |", anchor(id));
            }
        }
    }
    for e in entries {
        match e {
            Entry::Done(s) => {
                let _ = writeln!(md, "\n## {}: {}\n", s.id, s.title);
                let _ = writeln!(
                    md,
                    "Paper: [arXiv {p}](https://arxiv.org/abs/{p}). Reproduces: {}. Profile `{}`, seed {}, {} points, {:.1} s of compute ({:.1} s wall in the last invocation).\n",
                    s.figure,
                    s.profile,
                    s.seed,
                    s.points,
                    s.point_seconds,
                    s.wall_seconds,
                    p = s.paper
                );
                for f in &s.figures {
                    let _ = writeln!(md, "![{f}]({}/{f})\n", s.id);
                    if let Some(c) = s.captions.get(f) {
                        let _ = writeln!(md, "*{}*\n", c.replace('*', "\\*"));
                    }
                }
                md.push_str("| claim | statement | check | expected | measured | tolerance | basis | result |\n|---|---|---|---|---|---|---|---|\n");
                for c in &s.claims {
                    let mut note = c.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                    if let Some(d) = &c.discrepancy {
                        note.push_str(&format!(" **Discrepancy:** {d}"));
                    }
                    let _ = writeln!(
                        md,
                        "| {} | {}{} | {} | {} | {} | {} | {} | {} |",
                        c.name,
                        c.statement.replace('|', "\\|"),
                        note.replace('|', "\\|"),
                        comparison_symbol(c),
                        fmt_expected(c),
                        fmt_measured(c),
                        c.tolerance.map(fmt_value).unwrap_or_default(),
                        c.basis.as_deref().unwrap_or("").replace('|', "\\|"),
                        claim_verdict(c)
                    );
                }
                if !s.tables.is_empty() {
                    let links: Vec<String> = s.tables.iter().map(|t| format!("[{t}]({}/{t})", s.id)).collect();
                    let _ = writeln!(md, "\nData: {}", links.join(", "));
                }
            }
            Entry::Incomplete { id, title, reason } => {
                let _ = writeln!(
                    md,
                    "\n## {id}: {title}\n\n**INCOMPLETE**: {reason}. No verdict is shown until every grid point has a record (a shard still running, an interrupted run or a damaged record: rerun `run` to compute what is missing)."
                );
            }
        }
    }
    md
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An SVG file's markup, ready to inline (without any XML declaration).
fn inline_svg(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = text.find("<svg")?;
    Some(text[start..].to_owned())
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1120px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.PASS{color:#0a7d32;font-weight:600}.FAIL{color:#b00020;font-weight:700}.INCOMPLETE{color:#8a6d00;font-weight:600}.MET{color:#0a7d32}.MISSED{color:#8a6d00;font-weight:600}.DISCREPANCY{color:#9a4d00;font-weight:700}\
figure{margin:1.5em 0;overflow-x:auto}figure svg{max-width:100%;height:auto}figcaption{max-width:760px;margin-top:0.4em;font-size:0.95em}section{border-top:1px solid #ddd;margin-top:2em}\
code{background:#f3f3f3;padding:0 3px}.meta{color:#555}";

fn html(entries: &[Entry], totals: &Totals, out: &Path) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>infoflow experiment report</title>",
    );
    let _ = write!(
        h,
        "<style>{STYLE}</style></head><body><h1>infoflow experiment report</h1><p>{}</p>",
        escape(&header_line(totals))
    );
    h.push_str("<table><tr><th>experiment</th><th>paper</th><th>profile</th><th>points</th><th>claims</th><th>compute (s)</th><th>status</th></tr>");
    for e in entries {
        match e {
            Entry::Done(s) => {
                let pass = s.claims.iter().filter(|c| c.pass).count();
                let _ = write!(
                    h,
                    "<tr><td><a href=\"#{}\">{}</a></td><td>arXiv {}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{:.1}</td><td class=\"{v}\">{v}</td></tr>",
                    anchor(&s.id),
                    escape(&s.id),
                    escape(&s.paper),
                    s.profile,
                    s.points,
                    pass,
                    s.claims.len(),
                    s.point_seconds,
                    v = verdict(s.passed)
                );
            }
            Entry::Incomplete { id, .. } => {
                let _ = write!(
                    h,
                    "<tr><td><a href=\"#{}\">{}</a></td><td></td><td></td><td></td><td></td><td></td><td class=\"INCOMPLETE\">INCOMPLETE</td></tr>",
                    anchor(id),
                    escape(id)
                );
            }
        }
    }
    h.push_str("</table>");
    for e in entries {
        match e {
            Entry::Done(s) => {
                let _ = write!(h, "<section id=\"{}\"><h2>{}: {}</h2>", anchor(&s.id), escape(&s.id), escape(&s.title));
                let _ = write!(
                    h,
                    "<p class=\"meta\">Paper: <a href=\"https://arxiv.org/abs/{p}\">arXiv {p}</a>. Reproduces: {}. Profile <code>{}</code>, seed {}, {} points, {:.1} s of compute ({:.1} s wall in the last invocation).</p>",
                    escape(&s.figure),
                    s.profile,
                    s.seed,
                    s.points,
                    s.point_seconds,
                    s.wall_seconds,
                    p = escape(&s.paper)
                );
                for f in &s.figures {
                    match inline_svg(&out.join(&s.id).join(f)) {
                        Some(svg) => {
                            let caption = s.captions.get(f).map(String::as_str).unwrap_or("");
                            let _ = write!(
                                h,
                                "<figure>{svg}<figcaption>{} <span class=\"meta\">({})</span></figcaption></figure>",
                                escape(caption),
                                escape(f)
                            );
                        }
                        None => {
                            let _ = write!(h, "<p>Figure {} is missing.</p>", escape(f));
                        }
                    }
                }
                h.push_str("<table><tr><th>claim</th><th>statement</th><th>check</th><th>expected</th><th>measured</th><th>tolerance</th><th>basis</th><th>result</th></tr>");
                for c in &s.claims {
                    let mut note =
                        c.note.as_deref().map(|n| format!("<br><small>{}</small>", escape(n))).unwrap_or_default();
                    if let Some(d) = &c.discrepancy {
                        note.push_str(&format!("<br><small><b>Discrepancy:</b> {}</small>", escape(d)));
                    }
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{v}\">{v}</td></tr>",
                        escape(&c.name),
                        escape(&c.statement),
                        note,
                        escape(comparison_symbol(c)),
                        escape(&fmt_expected(c)),
                        escape(&fmt_measured(c)),
                        c.tolerance.map(fmt_value).unwrap_or_default(),
                        escape(c.basis.as_deref().unwrap_or("")),
                        v = claim_verdict(c)
                    );
                }
                h.push_str("</table>");
                if !s.tables.is_empty() {
                    let links: Vec<String> = s
                        .tables
                        .iter()
                        .map(|t| format!("<a href=\"{}/{t}\">{t}</a>", escape(&s.id), t = escape(t)))
                        .collect();
                    let _ = write!(h, "<p>Data: {}</p>", links.join(", "));
                }
                h.push_str("</section>");
            }
            Entry::Incomplete { id, title, reason } => {
                let _ = write!(
                    h,
                    "<section id=\"{}\"><h2>{}: {}</h2><p><span class=\"INCOMPLETE\">INCOMPLETE</span>: {}. No verdict is shown until every grid point has a record (a shard still running, an interrupted run or a damaged record: rerun <code>run</code> to compute what is missing).</p></section>",
                    anchor(id),
                    escape(id),
                    escape(title),
                    escape(reason)
                );
            }
        }
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_formatting() {
        assert_eq!(fmt_value(0.0), "0");
        assert_eq!(fmt_value(1.0), "1.000");
        assert_eq!(fmt_value(0.012345), "0.01235");
        assert_eq!(fmt_value(1234.4), "1234");
        assert_eq!(fmt_value(-2.5e-7), "-2.500e-7");
        assert_eq!(fmt_value(f64::INFINITY), "inf");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
