//! Learned separators (feature `learned`): train a tiny model on mixtures
//! drawn on the fly, save it, load it back with the same output, and refuse
//! bad input and a model of another mixture type.
#![cfg(feature = "learned")]

use infoflow_nn::train::TrainConfig;
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::{Architecture, train::DataSource};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::Error;
use infoflow_rf_signal::mixture::{Dataset, MixtureType};
use infoflow_rf_signal::separator::{LearnedSeparator, MixtureSource, Separator};

#[test]
fn a_tiny_learned_separator_trains_saves_loads_and_refuses_bad_input() {
    let kinds = MixtureType::challenge_stand_ins();
    let kind = kinds.iter().find(|k| k.name() == "QPSK_SC-like").unwrap();
    let other = kinds.iter().find(|k| k.name() == "QPSK_OFDM-like").unwrap();

    // The source: crops of the mixture and the SOI, I/Q channel-major.
    let source = MixtureSource::new(kind.clone(), 256).unwrap();
    assert_eq!(source.shape(), [2, 2, 256]);
    let e = source.example(&mut Streams::for_point(1, "t", "t").stream(0)).unwrap();
    assert_eq!((e.input.len(), e.target.len()), (512, 512));
    assert!(MixtureSource::new(kind.clone(), 0).is_err());
    assert!(MixtureSource::new(kind.clone(), 40_961).is_err());

    let arch = Architecture::WaveNet(WaveNetConfig::new(2, 4).with_dilation_cycle(vec![1, 2]));
    let mut recipe = TrainConfig::new(6, 2, 1e-3, 9);
    (recipe.validate_every, recipe.checkpoint_every, recipe.validation_batches) = (3, 3, 1);
    let (mut trained, log) = LearnedSeparator::train("tiny", kind, &arch, &recipe, 256, None).unwrap();
    assert_eq!(log.steps, 6);
    assert_eq!(trained.card().data["mixture_type"], "QPSK_SC-like");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny");
    trained.save(&path, "test", "none").unwrap();
    let loaded = LearnedSeparator::load(&path, kind).unwrap();
    assert_eq!(loaded.name(), "tiny");
    let m = Dataset::new(kind.clone(), 3).test(0, -12.0).unwrap();
    let a = trained.separate(&m.mixture, None).unwrap();
    let b = loaded.separate(&m.mixture, Some(-12.0)).unwrap();
    assert_eq!(a, b, "the loaded model separates exactly as the trained one");
    assert_eq!(a.soi.len(), 40_960);
    assert_eq!(a.bits.len(), m.bits.len());

    // Another mixture type's model, bad frames, too few examples.
    assert!(matches!(LearnedSeparator::load(&path, other), Err(Error::File { .. })));
    assert!(matches!(LearnedSeparator::load(&dir.path().join("none"), kind), Err(Error::Learned(_))));
    assert!(loaded.separate(&m.mixture[..1000], None).is_err());
    let mut bad = m.mixture.clone();
    bad[5] = C64::new(f64::NAN, 0.0);
    assert!(matches!(loaded.separate(&bad, None), Err(Error::NonFinite { .. })));
    bad[5] = C64::new(1e300, 0.0);
    assert!(loaded.separate(&bad, None).is_err(), "beyond f32's range");
    let mut refit = LearnedSeparator::load(&path, kind).unwrap();
    assert!(refit.fit(std::slice::from_ref(&m)).is_err());
    assert!(refit.fit(&[]).is_err());
}
