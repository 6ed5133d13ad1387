//! Model files: a directory with the weights in safetensors
//! (`weights.safetensors`, through burn's store) and a JSON card
//! (`card.json`): the architecture, the recipe, what it was trained on, the
//! training's end values, the code version and the weights' checksum.
//!
//! Loading builds the net the card describes, checks the weights against
//! the card's XXH3-64 checksum (a truncated or corrupted file is refused)
//! and requires every tensor of the net to be in the file with its shape and
//! nothing else; [`load_expecting`] also refuses a card of another
//! architecture than the caller's.

use crate::architecture::{Architecture, Net};
use crate::error::{Error, Result};
use crate::train::{TrainConfig, TrainLog};
use burn::module::Module;
use burn::tensor::backend::Backend;
use burn_store::{ModuleSnapshot, SafetensorsStore};
use infoflow_numerics::rng::stable_hash;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The card format this version writes and reads; a card of another format
/// is refused. 2: the WaveNet's filter, gate, residual and skip are four
/// convolutions (were two, split in halves) and the UNet's transposed
/// convolutions are linear (were followed by a ReLU), so a format-1 file
/// would load into a different function.
pub const CARD_FORMAT: u32 = 2;

/// The weights' file name inside a model directory.
pub const WEIGHTS_FILE: &str = "weights.safetensors";

/// The card's file name inside a model directory.
pub const CARD_FILE: &str = "card.json";

/// A model card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    /// [`CARD_FORMAT`].
    pub format: u32,
    /// The model's name (its directory under `models/`).
    pub name: String,
    /// The architecture.
    pub architecture: Architecture,
    /// Trainable parameters.
    pub parameters: usize,
    /// The training recipe.
    pub recipe: TrainConfig,
    /// What the model was trained on (the data source's description).
    pub data: serde_json::Value,
    /// Steps done.
    pub steps: usize,
    /// The step whose net was kept (best validation loss).
    pub best_step: usize,
    /// Validation loss of the kept net.
    pub validation_loss: f64,
    /// `(steps, mean training loss, validation loss, learning rate)` at each
    /// validation.
    pub curve: Vec<(usize, f64, f64, f64)>,
    /// Training wall time, seconds.
    pub wall_s: f64,
    /// Share of the wall time spent generating data.
    pub data_share: f64,
    /// Threads the training ran on.
    pub threads: usize,
    /// The code version (crate version and commit).
    pub code_version: String,
    /// The command that reproduces the model.
    pub command: String,
    /// XXH3-64 of the weights file, hexadecimal.
    pub weights_xxh3: String,
}

impl ModelCard {
    /// A card for `net` trained with `recipe` on `data`, from its log;
    /// `weights_xxh3` is filled in by [`save`].
    #[allow(clippy::too_many_arguments)]
    pub fn new<B: Backend>(
        name: &str,
        architecture: &Architecture,
        net: &Net<B>,
        recipe: &TrainConfig,
        data: serde_json::Value,
        log: &TrainLog,
        code_version: &str,
        command: &str,
    ) -> Self {
        Self {
            format: CARD_FORMAT,
            name: name.into(),
            architecture: architecture.clone(),
            parameters: net.num_params(),
            recipe: recipe.clone(),
            data,
            steps: log.steps,
            best_step: log.best_step,
            validation_loss: log.best_validation,
            curve: log.validations.clone(),
            wall_s: log.wall_s,
            data_share: if log.wall_s > 0.0 { log.data_s / log.wall_s } else { 0.0 },
            threads: rayon::current_num_threads(),
            code_version: code_version.into(),
            command: command.into(),
            weights_xxh3: String::new(),
        }
    }
}

/// Writes `net` and its card into `dir` (created if missing), each file
/// atomically, the weights first; fills in the card's checksum.
pub fn save<B: Backend>(dir: &Path, net: &Net<B>, card: &mut ModelCard) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let weights = dir.join(WEIGHTS_FILE);
    let bytes = encode(net, &card.name).map_err(|e| Error::model_file(&weights, e))?;
    card.weights_xxh3 = format!("{:016x}", stable_hash(&bytes));
    infoflow_numerics::fs::write_bytes_atomic(&weights, &bytes).map_err(|e| Error::io(&weights, e))?;
    let path = dir.join(CARD_FILE);
    let mut json = serde_json::to_vec_pretty(card).map_err(|e| Error::model_file(&path, e))?;
    json.push(b'\n');
    infoflow_numerics::fs::write_bytes_atomic(&path, &json).map_err(|e| Error::io(&path, e))
}

/// [`save`] with the card's `code_version` and reproducing `command` set
/// first (what a trained model's owner records when it ships).
pub fn save_stamped<B: Backend>(
    dir: &Path,
    net: &Net<B>,
    card: &mut ModelCard,
    code_version: &str,
    command: &str,
) -> Result<()> {
    card.code_version = code_version.into();
    card.command = command.into();
    save(dir, net, card)
}

/// The safetensors bytes of `net`. One metadata entry only: burn-store
/// keeps metadata in a `HashMap`, so with its three default entries the
/// header's key order (and the file's checksum) changed from run to run;
/// with one entry the bytes are a function of the weights and the name.
fn encode<B: Backend>(net: &Net<B>, name: &str) -> std::result::Result<Vec<u8>, String> {
    let mut store = SafetensorsStore::from_bytes(None).clear_metadata().metadata("infoflow-model", name);
    net.save_into(&mut store).map_err(|e| format!("encoding: {e}"))?;
    store.get_bytes().map_err(|e| format!("encoding: {e}"))
}

/// `architecture`'s net on `device` with the weights in `bytes`, which must
/// hold every tensor with its shape and nothing else.
fn decode<B: Backend>(
    architecture: &Architecture,
    bytes: Vec<u8>,
    device: &B::Device,
) -> std::result::Result<Net<B>, String> {
    let mut net = architecture.init::<B>(device).map_err(|e| e.to_string())?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes)).validate(true).allow_partial(false);
    let result = net.load_from(&mut store).map_err(|e| format!("does not load: {e}"))?;
    if !result.errors.is_empty() || !result.missing.is_empty() || !result.unused.is_empty() {
        return Err(format!(
            "does not fit the card's architecture: {} errors, missing {:?}, unused {:?}",
            result.errors.len(),
            result.missing,
            result.unused
        ));
    }
    Ok(net)
}

/// `net` (of `architecture`) moved to another backend's `device`, through
/// the same encoding as the weights file: e.g. a net trained on the GPU
/// backend to the CPU backend, which separates.
pub fn transfer<B: Backend, C: Backend>(
    net: &Net<B>,
    architecture: &Architecture,
    device: &C::Device,
) -> Result<Net<C>> {
    let bytes = encode(net, "transfer").map_err(|e| Error::invalid("net", e, "encodable"))?;
    decode::<C>(architecture, bytes, device).map_err(|e| Error::invalid("net", e, "a net of the given architecture"))
}

/// Reads a model card.
pub fn read_card(dir: &Path) -> Result<ModelCard> {
    let path = dir.join(CARD_FILE);
    let text = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let format = serde_json::from_slice::<serde_json::Value>(&text)
        .map_err(|e| Error::model_file(&path, format!("not JSON: {e}")))?
        .get("format")
        .and_then(|f| f.as_u64());
    if format != Some(u64::from(CARD_FORMAT)) {
        return Err(Error::model_file(&path, format!("card format {format:?}; this version reads {CARD_FORMAT}")));
    }
    let card: ModelCard =
        serde_json::from_slice(&text).map_err(|e| Error::model_file(&path, format!("not a model card: {e}")))?;
    card.architecture.check().map_err(|e| Error::model_file(&path, format!("architecture: {e}")))?;
    Ok(card)
}

/// Loads the model in `dir`: the net its card describes, with the weights
/// checked against the card.
pub fn load<B: Backend>(dir: &Path, device: &B::Device) -> Result<(Net<B>, ModelCard)> {
    let card = read_card(dir)?;
    let weights = dir.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&weights).map_err(|e| Error::io(&weights, e))?;
    let hash = format!("{:016x}", stable_hash(&bytes));
    if hash != card.weights_xxh3 {
        return Err(Error::model_file(
            &weights,
            format!("checksum {hash} differs from the card's {} (corrupted, truncated or replaced)", card.weights_xxh3),
        ));
    }
    let net = decode::<B>(&card.architecture, bytes, device).map_err(|e| Error::model_file(&weights, e))?;
    if net.num_params() != card.parameters {
        return Err(Error::model_file(&weights, "the parameter count differs from the card's"));
    }
    Ok((net, card))
}

/// [`load`], refusing a model of another architecture than `expected`.
pub fn load_expecting<B: Backend>(
    dir: &Path,
    expected: &Architecture,
    device: &B::Device,
) -> Result<(Net<B>, ModelCard)> {
    let card = read_card(dir)?;
    if card.architecture != *expected {
        return Err(Error::model_file(
            &dir.join(CARD_FILE),
            format!("a {} of another configuration than the expected {}", card.architecture.kind(), expected.kind()),
        ));
    }
    load(dir, device)
}
