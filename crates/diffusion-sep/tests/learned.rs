//! Learned priors (feature `learned`): a DiffWave trained here on a source
//! whose exact score is known, its batched and single-frame paths, model
//! files, and bad input.

use infoflow_diffusion_sep::Error;
use infoflow_diffusion_sep::schedule::{Level, Schedule};
use infoflow_diffusion_sep::score::learned::Source;
use infoflow_diffusion_sep::score::{LearnedScore, PriorSource, Score};
use infoflow_nn::diffwave::DiffWaveConfig;
use infoflow_nn::embedding::StepEmbeddingConfig;
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::train::{Schedule as LrSchedule, TrainConfig, TrainLog};
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::{Architecture, Cpu};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::interference::Interference;
use rand_distr::{Distribution, StandardNormal};

const CROP: usize = 64;

/// A small DiffWave trained on near-white Gaussian frames (rf-signal's
/// coloured noise at full bandwidth, unit power).
fn trained() -> LearnedScore {
    let source = PriorSource::new(
        "white Gaussian",
        Source::Interference(Interference::ColouredNoise { bandwidth: 0.5, max_cfo: 0.0 }),
        CROP,
    )
    .unwrap();
    let architecture = DiffWaveConfig {
        wavenet: WaveNetConfig::new(2, 16).with_dilation_cycle(vec![1, 2]),
        embedding: StepEmbeddingConfig { frequencies: 8, width: 32 },
    };
    let mut recipe = TrainConfig::new(300, 32, 1e-2, 7);
    recipe.schedule = LrSchedule::Cosine { warmup: 10, min_lr: 1e-3 };
    let (prior, log) = LearnedScore::train("white", &source, &architecture, &recipe, None, CROP).unwrap();
    assert!(log.best_validation.is_finite());
    prior
}

fn noise(n: usize, seed: u64) -> Vec<C64> {
    let mut rng = Streams::for_point(seed, "diffusion-sep.learned", "noise").stream(0);
    (0..n).map(|_| C64::new(StandardNormal.sample(&mut rng), StandardNormal.sample(&mut rng))).collect()
}

#[test]
fn a_trained_prior_learns_the_exact_score_and_batches_consistently() {
    let prior = trained();
    let schedule = Schedule::diffwave();
    // For a white source of unit power (½ per real dimension) the smoothed
    // density is Gaussian of variance ᾱ/2 + σ² per real dimension: score
    // −x̃/(ᾱ/2 + σ²). The net learned it from data alone.
    let mut worst: f64 = 0.0;
    for t in [5, 15, 30, 49] {
        let level = schedule.level(t).unwrap();
        let x: Vec<C64> = noise(CROP, t as u64)
            .iter()
            .map(|z| z * (level.scale.powi(2) / 2.0 + level.sigma.powi(2)).sqrt())
            .collect();
        let mut s = vec![C64::new(0.0, 0.0); CROP];
        prior.score(&x, level, &mut s).unwrap();
        let v = level.scale.powi(2) / 2.0 + level.sigma.powi(2);
        let exact: Vec<C64> = x.iter().map(|z| -z / v).collect();
        let err = s.iter().zip(&exact).map(|(a, b)| (a - b).norm_sqr()).sum::<f64>()
            / exact.iter().map(|b| b.norm_sqr()).sum::<f64>();
        worst = worst.max(err);
    }
    assert!(worst < 0.05, "relative squared error of the learned score {worst}");

    // The batch is the frames one by one, and the distilled direction with
    // the same streams too.
    let frames: Vec<Vec<C64>> = (0..3).map(|k| noise(CROP, 100 + k)).collect();
    let refs: Vec<&[C64]> = frames.iter().map(|f| f.as_slice()).collect();
    let levels: Vec<Level> = [3, 20, 44].iter().map(|&t| schedule.level(t).unwrap()).collect();
    let mut batch = vec![Vec::new(); 3];
    prior.score_batch(&refs, &levels, &mut batch).unwrap();
    let streams = Streams::for_point(3, "diffusion-sep.learned", "distilled");
    let mut rngs: Vec<_> = (0..3).map(|k| streams.stream(k)).collect();
    let mut dyn_rngs: Vec<&mut (dyn rand::Rng + Send)> =
        rngs.iter_mut().map(|r| r as &mut (dyn rand::Rng + Send)).collect();
    let mut distilled = vec![Vec::new(); 3];
    prior.distilled_batch(&refs, &levels, &mut dyn_rngs, &mut distilled).unwrap();
    for k in 0..3 {
        let mut one = vec![C64::new(0.0, 0.0); CROP];
        prior.score(refs[k], levels[k], &mut one).unwrap();
        let d = one.iter().zip(&batch[k]).map(|(a, b)| (a - b).norm()).fold(0.0, f64::max);
        assert!(d < 1e-4 * one.iter().map(|z| z.norm()).fold(0.0, f64::max), "frame {k}: {d}");
        let mut rng = streams.stream(k as u64);
        prior.distilled(refs[k], levels[k], &mut rng, &mut one).unwrap();
        let d = one.iter().zip(&distilled[k]).map(|(a, b)| (a - b).norm()).fold(0.0, f64::max);
        assert!(d < 1e-4 * one.iter().map(|z| z.norm()).fold(0.0, f64::max), "distilled frame {k}: {d}");
    }

    // Model files: saved and loaded, the same scores; bad input.
    let dir = tempfile::tempdir().unwrap();
    let mut prior = prior;
    prior.save(dir.path(), "test", "cargo test").unwrap();
    let loaded = LearnedScore::load(dir.path(), CROP).unwrap();
    let mut again = vec![Vec::new(); 3];
    loaded.score_batch(&refs, &levels, &mut again).unwrap();
    assert_eq!(again, batch);
    assert!(loaded.name().contains("white"));
    let mut out = vec![C64::new(0.0, 0.0); CROP];
    let off_schedule = Level::custom(0.9, 0.3).unwrap();
    assert!(matches!(loaded.score(&frames[0], off_schedule, &mut out), Err(Error::InvalidParameter { .. })));
    assert!(matches!(loaded.score(&frames[0][..10], levels[0], &mut out), Err(Error::Shape { .. })));
    let mut nan = frames[0].clone();
    nan[3].im = f64::NAN;
    assert!(matches!(loaded.score(&nan, levels[0], &mut out), Err(Error::NonFinite { .. })));
    assert!(LearnedScore::load(dir.path(), 0).is_err());
}

#[test]
fn a_model_file_of_another_architecture_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let architecture = Architecture::WaveNet(WaveNetConfig::new(1, 2));
    let net = architecture.init::<Cpu>(&Default::default()).unwrap();
    let recipe = TrainConfig::new(1, 1, 1e-3, 0);
    let mut card = ModelCard::new(
        "separator",
        &architecture,
        &net,
        &recipe,
        serde_json::json!({}),
        &TrainLog::default(),
        "test",
        "",
    );
    model_file::save(dir.path(), &net, &mut card).unwrap();
    match LearnedScore::load(dir.path(), 64) {
        Err(Error::Learned(why)) => assert!(why.contains("not a learned prior"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(LearnedScore::load(&dir.path().join("missing"), 64), Err(Error::Learned(_))));
    assert!(
        PriorSource::new(
            "white",
            Source::Interference(Interference::ColouredNoise { bandwidth: 0.5, max_cfo: 0.0 }),
            0
        )
        .is_err()
    );
}
