//! What an experiment is: typed grid points and records, and the erased form
//! the registry and the runner use.

use super::claim::Claim;
use super::output::Output;
use anyhow::{Context, Result, bail};
use infoflow_numerics::rng::Streams;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

/// How much work to do: the same experiment at three scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Seconds for the whole suite; what the tests run.
    Smoke,
    /// The default: the whole suite in minutes on a 2-core laptop (budget: 15).
    Quick,
    /// The papers' own scale; meant for sharding over a cluster.
    Paper,
}

impl Profile {
    /// All profiles, smallest first.
    pub const ALL: [Profile; 3] = [Profile::Smoke, Profile::Quick, Profile::Paper];

    /// The lowercase name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Smoke => "smoke",
            Profile::Quick => "quick",
            Profile::Paper => "paper",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an experiment reproduces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// `<crate>.<name>`, e.g. `particles.phase-diagram`. Part of the
    /// contract: results live under `<out>/<id>/`.
    pub id: &'static str,
    /// One line saying what is measured.
    pub title: &'static str,
    /// The arXiv id of the paper it comes from.
    pub paper: &'static str,
    /// Which figure, table or theorem of the paper it reproduces.
    pub figure: &'static str,
}

/// One grid point: serialisable parameters with a stable key.
///
/// The key names the record file (`points/<key>.json`), decides the shard
/// and keys the random streams, so it must be unique within a profile,
/// deterministic, and made of `[A-Za-z0-9._=,+-]` (at most 120 characters).
/// Write it from the parameters, e.g. `d=8` or `beta=9,n=32`.
pub trait Point: Serialize + DeserializeOwned + Send + Sync {
    /// The stable key of this point.
    fn key(&self) -> String;
}

/// An experiment: a parameter grid per profile, a pure function from a grid
/// point to a record, and a summary that draws figures and checks claims.
///
/// `run` must be deterministic given the point and the streams: take every
/// random number from `streams` (one stream per trial or per fixed batch,
/// never per thread), and keep faer at `Par::Seq` (points already run in
/// parallel).
pub trait Experiment: Sync {
    /// One grid point.
    type Point: Point;
    /// What one point measured.
    type Record: Serialize + DeserializeOwned + Send;

    /// Id, title, paper and figure.
    fn meta(&self) -> Meta;

    /// The grid of a profile, in the order summaries see it.
    fn points(&self, profile: Profile) -> Vec<Self::Point>;

    /// Measures one point.
    fn run(&self, point: &Self::Point, streams: &Streams) -> Result<Self::Record>;

    /// Draws figures and tables into `out` and returns the claims, from the
    /// records of every point of the profile (in grid order).
    fn summarize(&self, records: &[(Self::Point, Self::Record)], out: &mut Output) -> Result<Vec<Claim>>;
}

/// A grid point with its key and its JSON form, as the runner handles it.
#[derive(Clone, Debug, PartialEq)]
pub struct ErasedPoint {
    /// [`Point::key`].
    pub key: String,
    /// The point serialised.
    pub value: Value,
}

/// [`Experiment`] with the types erased to JSON, so that the registry can
/// hold every experiment in one list.
pub trait DynExperiment: Sync {
    /// See [`Experiment::meta`].
    fn meta(&self) -> Meta;
    /// The grid of a profile, keyed and serialised; errors on an invalid or
    /// duplicated key.
    fn points(&self, profile: Profile) -> Result<Vec<ErasedPoint>>;
    /// Runs one point given in JSON and returns its record in JSON.
    fn run(&self, point: &Value, streams: &Streams) -> Result<Value>;
    /// Whether a stored record decodes as this version's record type (one
    /// written before the type changed is recomputed, not an error).
    fn decodes(&self, record: &Value) -> bool;
    /// Summarises `(point, record)` pairs given in JSON.
    fn summarize(&self, records: &[(Value, Value)], out: &mut Output) -> Result<Vec<Claim>>;
}

/// Declares a closed set of names used as a grid parameter (a mixture
/// type, an adversary, a lattice...): an enum serialised and displayed as
/// its names, with `ALL` in declaration order. Points hold these instead of
/// strings, so a misspelt name is a compile error and `run` matches
/// exhaustively; the JSON form is the name, as a string field had it.
///
/// ```
/// xtask::names! {
///     /// The learners.
///     pub enum Learner { Hedge = "hedge", Ftpl = "ftpl" }
/// }
/// assert_eq!(Learner::Ftpl.to_string(), "ftpl");
/// assert_eq!(serde_json::to_string(&Learner::Hedge).unwrap(), "\"hedge\"");
/// assert_eq!(Learner::ALL, [Learner::Hedge, Learner::Ftpl]);
/// ```
#[macro_export]
macro_rules! names {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name (as serialised and displayed).
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

/// Checks a point key against the rules of [`Point`].
pub fn validate_key(key: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._=,+-".contains(c);
    if key.is_empty() || key.len() > 120 || !key.chars().all(ok_char) || key.starts_with('.') {
        bail!("invalid point key {key:?}: use 1-120 characters from [A-Za-z0-9._=,+-], not starting with '.'");
    }
    Ok(())
}

impl<E: Experiment> DynExperiment for E {
    fn meta(&self) -> Meta {
        Experiment::meta(self)
    }

    fn points(&self, profile: Profile) -> Result<Vec<ErasedPoint>> {
        let mut seen = std::collections::HashSet::new();
        Experiment::points(self, profile)
            .into_iter()
            .map(|p| {
                let key = p.key();
                validate_key(&key)?;
                if !seen.insert(key.clone()) {
                    bail!("duplicate point key {key:?} in profile {profile}");
                }
                Ok(ErasedPoint { value: serde_json::to_value(&p)?, key })
            })
            .collect()
    }

    fn run(&self, point: &Value, streams: &Streams) -> Result<Value> {
        let point: E::Point = serde_json::from_value(point.clone()).context("decoding the grid point")?;
        let record = Experiment::run(self, &point, streams)?;
        let value = serde_json::to_value(&record)?;
        // A record must survive its trip through the file: serde_json writes
        // NaN and infinities as null, which would only fail on resume.
        serde_json::from_value::<E::Record>(value.clone())
            .context("the record does not round-trip through JSON (does it contain NaN or an infinity?)")?;
        Ok(value)
    }

    fn decodes(&self, record: &Value) -> bool {
        E::Record::deserialize(record).is_ok()
    }

    fn summarize(&self, records: &[(Value, Value)], out: &mut Output) -> Result<Vec<Claim>> {
        let typed = records
            .iter()
            .map(|(p, r)| {
                let point: E::Point = serde_json::from_value(p.clone()).context("decoding a stored point")?;
                let record: E::Record = serde_json::from_value(r.clone())
                    .with_context(|| format!("decoding the stored record of point {}", point.key()))?;
                Ok((point, record))
            })
            .collect::<Result<Vec<_>>>()?;
        Experiment::summarize(self, &typed, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        for ok in ["d=8", "beta=9,n=32", "a.b-c+d_e", "x"] {
            validate_key(ok).unwrap();
        }
        for bad in ["", "a/b", "a b", ".hidden", "ü", &"k".repeat(121)] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
    }
}
