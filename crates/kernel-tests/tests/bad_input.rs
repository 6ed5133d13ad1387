//! Bad input for the public API of `infoflow-kernel-tests`: every probe must
//! return an error, never panic or return a value (see
//! `infoflow_numerics::fuzz::rejects`). The loaders are fuzzed in
//! `src/data.rs`.

use faer::{Mat, Par};
use infoflow_kernel_tests::data::{self, PerturbedUniform};
use infoflow_kernel_tests::kernel::{
    Gaussian, Identity, InverseMultiquadric, Kernel, Laplace, Mixture, Polynomial, RandomFourier, median_bandwidth,
};
use infoflow_kernel_tests::lfht::{self, ErrorRate};
use infoflow_kernel_tests::{mmd, two_sample};
use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::rng::Streams;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn every_bad_input_is_an_error() {
    let mut rng = Streams::for_point(1, "kernel-tests.bad-input", "table").stream(0);
    let x = data::gaussian_shift(20, 3, 0.0, &mut rng);
    let y = data::gaussian_shift(20, 3, 1.0, &mut rng);
    let wide = data::gaussian_shift(20, 4, 0.0, &mut rng);
    let nan = Mat::from_fn(20, 3, |i, j| if i == 2 && j == 1 { NAN } else { 0.5 });
    let huge = Mat::from_fn(20, 3, |i, _| if i == 0 { 1e300 } else { 0.0 });
    let one = Mat::from_fn(1, 3, |_, _| 0.0);
    let k = Gaussian::new(1.0).unwrap();
    let mixture = Mixture { phi: Identity, psi: Identity, sigma0: 1.0, sigma: 1.0, eps: 1.5 };
    let probes = [
        // Kernels.
        rejects("gaussian bandwidth 0", || Gaussian::new(0.0)),
        rejects("gaussian bandwidth NaN", || Gaussian::new(NAN)),
        rejects("laplace bandwidth inf", || Laplace::new(INF)),
        rejects("imq c negative", || InverseMultiquadric::new(-1.0)),
        rejects("polynomial c NaN", || Polynomial::new(2, NAN)),
        rejects("gram dims", || k.gram(x.as_ref(), wide.as_ref(), Par::Seq)),
        rejects("gram NaN", || k.gram(nan.as_ref(), y.as_ref(), Par::Seq)),
        rejects("gram overflow", || k.gram(huge.as_ref(), y.as_ref(), Par::Seq)),
        rejects("polynomial overflow", || {
            Polynomial::new(40, 1.0).unwrap().gram(huge.as_ref(), huge.as_ref(), Par::Seq)
        }),
        rejects("mixture eps", || mixture.gram(x.as_ref(), y.as_ref(), Par::Seq)),
        rejects("median dims", || median_bandwidth(x.as_ref(), wide.as_ref())),
        rejects("median NaN", || median_bandwidth(nan.as_ref(), y.as_ref())),
        rejects("median identical points", || {
            let z = Mat::<f64>::zeros(5, 3);
            median_bandwidth(z.as_ref(), z.as_ref())
        }),
        rejects("rff dim 0", || RandomFourier::new(0, 8, 1.0, &mut rng)),
        rejects("rff features 0", || RandomFourier::new(3, 0, 1.0, &mut rng)),
        rejects("rff bandwidth NaN", || RandomFourier::new(3, 8, NAN, &mut rng)),
        // Estimators.
        rejects("unbiased one point", || mmd::unbiased(&k, one.as_ref(), y.as_ref(), Par::Seq)),
        rejects("unbiased dims", || mmd::unbiased(&k, x.as_ref(), wide.as_ref(), Par::Seq)),
        rejects("unbiased NaN", || mmd::unbiased(&k, nan.as_ref(), y.as_ref(), Par::Seq)),
        rejects("biased empty", || mmd::biased(&k, Mat::<f64>::zeros(0, 3).as_ref(), y.as_ref(), Par::Seq)),
        rejects("linear odd sizes", || mmd::linear(&k, one.as_ref(), one.as_ref(), Par::Seq)),
        // Tests.
        rejects("permutations 0", || {
            two_sample::permutation_test(&k, x.as_ref(), y.as_ref(), 0, 0.05, Par::Seq, &mut rng)
        }),
        rejects("alpha 1", || two_sample::permutation_test(&k, x.as_ref(), y.as_ref(), 10, 1.0, Par::Seq, &mut rng)),
        rejects("alpha NaN", || two_sample::permutation_test(&k, x.as_ref(), y.as_ref(), 10, NAN, Par::Seq, &mut rng)),
        rejects("permutation NaN", || {
            two_sample::permutation_test(&k, nan.as_ref(), y.as_ref(), 10, 0.05, Par::Seq, &mut rng)
        }),
        rejects("permutation set index", || {
            two_sample::permutation_statistics(&k, x.as_ref(), y.as_ref(), &[vec![0, 1, 99]], Par::Seq)
        }),
        rejects("permutation set size", || {
            two_sample::permutation_statistics(&k, x.as_ref(), y.as_ref(), &[vec![0, 1]], Par::Seq)
        }),
        rejects("permutation set repeats", || {
            two_sample::permutation_statistics(&k, x.as_ref(), y.as_ref(), &[vec![0; 20]], Par::Seq)
        }),
        rejects("witness dims", || lfht::witness_scores(&k, x.as_ref(), y.as_ref(), wide.as_ref(), Par::Seq)),
        rejects("gamma delta", || lfht::gamma(&k, x.as_ref(), y.as_ref(), 1.5, Par::Seq)),
        rejects("gamma delta NaN", || lfht::gamma(&k, x.as_ref(), y.as_ref(), NAN, Par::Seq)),
        rejects("lfht empty z", || {
            lfht::test(&k, x.as_ref(), y.as_ref(), Mat::<f64>::zeros(0, 3).as_ref(), 0.5, Par::Seq)
        }),
        rejects("gaussian errors one score", || lfht::gaussian_errors(&[1.0], &[1.0, 2.0], 0.5, 0.5, 10)),
        rejects("gaussian errors m 0", || lfht::gaussian_errors(&[1.0, 2.0], &[1.0, 2.0], 0.5, 0.5, 0)),
        rejects("gaussian errors constant scores", || lfht::gaussian_errors(&[1.0, 1.0], &[1.0, 1.0], 1.0, 0.5, 10)),
        rejects("gaussian errors NaN score", || lfht::gaussian_errors(&[1.0, NAN], &[1.0, 2.0], 0.5, 0.5, 10)),
        rejects("resampled m > pool", || lfht::resampled_threshold(&[1.0, 2.0], 3, 10, 0.05, &mut rng)),
        rejects("resampled NaN pool", || lfht::resampled_threshold(&[1.0, NAN], 1, 10, 0.05, &mut rng)),
        rejects("discrete lengths", || lfht::discrete_statistic(&[1, 2], &[1], &[1, 2])),
        rejects("discrete empty", || lfht::discrete_statistic(&[], &[], &[])),
        rejects("discrete zero counts", || lfht::discrete_statistic(&[0, 0], &[0, 0], &[0, 0])),
        rejects("error rate 0 trials", || ErrorRate { errors: 0, trials: 0 }.interval(0.99)),
        rejects("error rate errors > trials", || ErrorRate { errors: 5, trials: 2 }.interval(0.99)),
        // Data.
        rejects("hdgm d 1", || data::hdgm(10, 1, true, &mut rng)),
        rejects("perturbed odd k", || PerturbedUniform::new(3, 0.3)),
        rejects("perturbed eps", || PerturbedUniform::new(4, 1.0)),
        rejects("counts NaN", || PerturbedUniform::counts(&[0.5, NAN], 10, &mut rng)),
        rejects("counts inf", || PerturbedUniform::counts(&[0.5, INF], 10, &mut rng)),
        rejects("counts negative", || PerturbedUniform::counts(&[0.5, -0.1], 10, &mut rng)),
        rejects("counts zero mass", || PerturbedUniform::counts(&[0.0, 0.0], 10, &mut rng)),
        rejects("counts empty", || PerturbedUniform::counts(&[], 10, &mut rng)),
        rejects("counts beyond u32", || PerturbedUniform::counts(&[0.5, 0.5], u32::MAX as usize + 1, &mut rng)),
        rejects("higgs missing", || data::read_higgs("/nonexistent/higgs.csv", 10)),
        rejects("cifar missing", || data::read_cifar("/nonexistent/batch.bin")),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}
