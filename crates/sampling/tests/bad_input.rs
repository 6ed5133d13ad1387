//! Bad input for the public API of `infoflow-sampling`: every probe must
//! return an error, never panic or return a value (see
//! `infoflow_numerics::fuzz::rejects`).

use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::rng::Streams;
use infoflow_sampling::distribution::{Continuous, Discrete, density_ratio};
use infoflow_sampling::divergence::{self, ChiSquared, Kl, Power, TotalVariation};
use infoflow_sampling::importance::{Estimator, rejection_cdf};
use infoflow_sampling::online::{Adversary, Learner, play};
use infoflow_sampling::quadrature::integrate;
use infoflow_sampling::sampler::{Rule, rejection_sample, required_n};
use infoflow_sampling::worst_case::{worst_pair, worst_pair_above};

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn every_bad_input_is_an_error() {
    let mut rng = Streams::for_point(1, "sampling.bad-input", "table").stream(0);
    let (nu, mu) = (Discrete::from_weights(&[0.2, 0.8]).unwrap(), Discrete::uniform(2).unwrap());
    let three = Discrete::uniform(3).unwrap();
    let point = Discrete::from_weights(&[1.0, 0.0]).unwrap();
    let probes = [
        // Laws.
        rejects("weights empty", || Discrete::from_weights(&[])),
        rejects("weights negative", || Discrete::from_weights(&[0.5, -0.1])),
        rejects("weights NaN", || Discrete::from_weights(&[0.5, NAN])),
        rejects("weights zero", || Discrete::from_weights(&[0.0, 0.0])),
        rejects("weights overflow", || Discrete::from_weights(&[f64::MAX, f64::MAX])),
        rejects("uniform 0", || Discrete::uniform(0)),
        rejects("zipf NaN", || Discrete::zipf(3, NAN)),
        rejects("two point", || Discrete::two_point(1.5)),
        rejects("density ratio support", || density_ratio(&nu, &three)),
        rejects("density ratio not dominated", || density_ratio(&mu, &point)),
        rejects("normal sd 0", || Continuous::normal(0.0, 0.0)),
        rejects("normal mean NaN", || Continuous::normal(NAN, 1.0)),
        rejects("exponential rate", || Continuous::exponential(-1.0)),
        rejects("uniform order", || Continuous::uniform(1.0, 0.0)),
        rejects("mixture empty", || Continuous::mixture(vec![])),
        rejects("mixture weight", || Continuous::mixture(vec![(-1.0, Continuous::normal(0.0, 1.0).unwrap())])),
        // Divergences.
        rejects("power lambda", || Power::new(1.0)),
        rejects("power lambda NaN", || Power::new(NAN)),
        rejects("discrete support", || divergence::discrete(&Kl, &nu, &three)),
        rejects("renyi lambda", || divergence::renyi_discrete(0.5, &nu, &mu)),
        rejects("tv lengths", || divergence::tv(&[0.5, 0.5], &[1.0])),
        rejects("tv negative", || divergence::tv(&[1.5, -0.5], &[0.0, 1.0])),
        rejects("tv NaN", || divergence::tv(&[NAN, 1.0], &[0.0, 1.0])),
        rejects("tv not normalised", || divergence::tv(&[0.5, 0.2], &[0.5, 0.5])),
        rejects("tv empty", || divergence::tv(&[], &[])),
        rejects("monte carlo empty", || divergence::monte_carlo(&Kl, &[])),
        rejects("monte carlo negative", || divergence::monte_carlo(&Kl, &[1.0, -1.0])),
        // Quadrature.
        rejects("integrate reversed", || integrate(|x| x, 1.0, 0.0, 1e-9)),
        rejects("integrate NaN bound", || integrate(|x| x, NAN, 1.0, 1e-9)),
        rejects("integrate tol 0", || integrate(|x| x, 0.0, 1.0, 0.0)),
        rejects("integrate divergent tail", || integrate(|_| 1.0, 0.0, INF, 1e-9)),
        rejects("integrate not absolutely", || integrate(|x| x, -INF, INF, 1e-9)),
        rejects("integrate singular", || integrate(|x| 1.0 / x, 0.0, 1.0, 1e-9)),
        // Samplers.
        rejects("truncated 0", || Rule::truncated(0.0)),
        rejects("truncated inf", || Rule::truncated(INF)),
        rejects("budget eps", || Rule::for_budget(&Kl, 1.0, 1.5)),
        rejects("budget d", || Rule::for_budget(&Kl, -1.0, 0.1)),
        rejects("budget TV", || Rule::for_budget(&TotalVariation, 0.5, 0.1)),
        rejects("select empty", || Rule::Sir.select(&[], &mut rng)),
        rejects("select NaN", || Rule::Greedy.select(&[1.0, NAN], &mut rng)),
        rejects("select negative", || Rule::truncated(2.0).unwrap().select(&[-1.0], &mut rng)),
        rejects("output law n 0", || Rule::Sir.output_law(&nu, &mu, 0)),
        rejects("output law support", || Rule::Sir.output_law(&nu, &three, 3)),
        rejects("tv_continuous n 0", || {
            let n = Continuous::normal(0.0, 1.0).unwrap();
            Rule::Sir.tv_continuous(&n, &n, 0)
        }),
        rejects("rejection M", || rejection_sample(|_: &mut _| (0, 1.0), 0.0, 10, &mut rng)),
        rejects("rejection ratio above M", || rejection_sample(|_: &mut _| (0, 3.0), 2.0, 10, &mut rng)),
        rejects("rejection ratio NaN", || rejection_sample(|_: &mut _| (0, NAN), 2.0, 10, &mut rng)),
        rejects("rejection max tries", || rejection_sample(|_: &mut _| (0, 0.0), 2.0, 10, &mut rng)),
        rejects("required_n eps", || required_n(&ChiSquared, 1.0, 0.0)),
        rejects("worst pair d", || worst_pair(&Kl, NAN, 10.0)),
        rejects("worst pair n", || worst_pair(&Kl, 1.0, 0.5)),
        rejects("worst pair p_min 0", || worst_pair_above(&Kl, 1.0, 10.0, 0.0)),
        rejects("worst pair p_min 1/2", || worst_pair_above(&Kl, 1.0, 10.0, 0.5)),
        rejects("worst pair p_min NaN", || worst_pair_above(&Kl, 1.0, 10.0, f64::NAN)),
        // Importance sampling.
        rejects("estimate lengths", || Estimator::SelfNormalised.estimate(&[1.0], &[1.0, 2.0])),
        rejects("estimate zero ratios", || Estimator::SelfNormalised.estimate(&[1.0, 2.0], &[0.0, 0.0])),
        rejects("estimate NaN value", || Estimator::SelfNormalised.estimate(&[NAN, 2.0], &[1.0, 1.0])),
        rejects("estimate level", || Estimator::Truncated { m: -1.0 }.estimate(&[1.0], &[1.0])),
        rejects("cdf NaN", || Estimator::SelfNormalised.cdf(&[NAN], &[1.0])),
        rejects("rejection cdf M", || rejection_cdf(&[0.0], &[1.0], NAN, &mut rng)),
        // The online game.
        rejects("horizon 0", || {
            play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 10 }, 0, 0.1, &mut rng)
        }),
        rejects("noise", || {
            play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 10 }, 10, 0.5, &mut rng)
        }),
        rejects("sigma", || {
            play(Adversary::Smooth { sigma: 0.0 }, &Kl, Learner::Hedge { grid: 10 }, 10, 0.1, &mut rng)
        }),
        rejects("grid 0", || {
            play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 0 }, 10, 0.1, &mut rng)
        }),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}

#[test]
fn infinite_divergences_are_values_not_errors() {
    // KL and χ² of laws that are not absolutely continuous are +∞ (the
    // documented value); TV stays finite.
    let (mu, point) = (Discrete::uniform(2).unwrap(), Discrete::from_weights(&[1.0, 0.0]).unwrap());
    assert_eq!(divergence::discrete(&ChiSquared, &mu, &point).unwrap(), INF);
    assert_eq!(divergence::discrete(&TotalVariation, &mu, &point).unwrap(), 0.5);
    let (n, u) = (Continuous::normal(0.0, 1.0).unwrap(), Continuous::uniform(0.0, 1.0).unwrap());
    assert_eq!(divergence::continuous(&Kl, &n, &u).unwrap(), INF);
}
