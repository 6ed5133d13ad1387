//! Bad input for every validating function of `infoflow-numerics`: each
//! probe must return an error, never panic or return a value. One run lists
//! every defect (see `fuzz::rejects`).

use faer::{Mat, Par};
use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::linalg::{self, RandomizedHadamard};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{self, C64};
use infoflow_numerics::{special, sphere, stats};

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn every_bad_input_is_an_error() {
    let mut rng = Streams::for_point(1, "numerics.bad-input", "table").stream(0);
    let c = |re: f64| C64::new(re, 0.0);
    let huge = c(1e300);
    let rotation = RandomizedHadamard::new(5, &mut rng).unwrap();
    let probes = [
        // sphere
        rejects("normalize []", || sphere::normalize(&mut [])),
        rejects("normalize zero", || sphere::normalize(&mut [0.0, 0.0])),
        rejects("normalize NaN", || sphere::normalize(&mut [NAN, 1.0])),
        rejects("normalize inf", || sphere::normalize(&mut [INF, 1.0])),
        rejects("project_tangent lengths", || sphere::project_tangent(&[1.0, 0.0], &mut [1.0])),
        rejects("project_tangent NaN", || sphere::project_tangent(&[1.0, 0.0], &mut [NAN, 0.0])),
        rejects("geodesic lengths", || sphere::geodesic_distance(&[1.0], &[1.0, 0.0])),
        rejects("geodesic NaN", || sphere::geodesic_distance(&[NAN], &[1.0])),
        rejects("exp_map lengths", || sphere::exp_map(&mut [1.0, 0.0], &[0.0])),
        rejects("exp_map inf", || sphere::exp_map(&mut [1.0, 0.0], &[0.0, INF])),
        rejects("sample_uniform d = 0", || sphere::sample_uniform(0, &mut rng)),
        rejects("uniform_points d = 0", || sphere::uniform_points(3, 0, &mut rng)),
        rejects("density d = 1", || sphere::inner_product_density(1, 0.0)),
        rejects("density t NaN", || sphere::inner_product_density(3, NAN)),
        rejects("cdf t NaN", || sphere::inner_product_cdf(3, NAN)),
        rejects("cap h NaN", || sphere::cap_measure(3, NAN)),
        // linalg
        rejects("gram NaN", || linalg::gram(Mat::from_fn(2, 2, |_, _| NAN).as_ref(), Par::Seq)),
        rejects("gram overflow", || linalg::gram(Mat::from_fn(2, 2, |_, _| 1e200).as_ref(), Par::Seq)),
        rejects("distances dims", || {
            linalg::pairwise_sq_distances(Mat::<f64>::zeros(2, 3).as_ref(), Mat::<f64>::zeros(2, 2).as_ref(), Par::Seq)
        }),
        rejects("distances overflow", || {
            let x = Mat::from_fn(1, 2, |_, _| 1e200);
            let y = Mat::from_fn(1, 2, |_, _| -1e200);
            linalg::pairwise_sq_distances(x.as_ref(), y.as_ref(), Par::Seq)
        }),
        rejects("haar dim 0", || linalg::haar_orthogonal(0, &mut rng)),
        rejects("fwht length 3", || linalg::fwht(&mut [1.0f64, 2.0, 3.0])),
        rejects("fwht empty", || linalg::fwht::<f64>(&mut [])),
        rejects("hadamard len 0", || RandomizedHadamard::new(0, &mut rng)),
        rejects("hadamard apply length", || rotation.apply(&[1.0f64; 4])),
        rejects("hadamard inverse length", || rotation.apply_inverse(&[1.0f64; 5])),
        rejects("hadamard columns", || rotation.apply_columns(Mat::<f64>::zeros(4, 2).as_ref())),
        // signal
        rejects("power []", || signal::power(&[])),
        rejects("power NaN", || signal::power(&[c(NAN)])),
        rejects("power overflow", || signal::power(&[huge, huge])),
        rejects("complex_gaussian variance", || signal::complex_gaussian(3, -1.0, &mut rng)),
        rejects("complex_gaussian variance NaN", || signal::complex_gaussian(3, NAN, &mut rng)),
        rejects("upsample factor 0", || signal::upsample(&[c(1.0)], 0)),
        rejects("upsample overflow", || signal::upsample(&[c(1.0), c(2.0)], usize::MAX)),
        rejects("upsample too large", || signal::upsample(&[c(1.0)], usize::MAX / 32)),
        rejects("convolve empty", || signal::convolve(&[], &[c(1.0)])),
        rejects("convolve NaN", || signal::convolve(&[c(NAN)], &[c(1.0)])),
        rejects("convolve overflow", || signal::convolve(&[huge], &[huge])),
        rejects("convolve_fft overflow", || signal::convolve_fft(&[huge; 40], &[huge; 40])),
        rejects("convolve_direct overflow", || signal::convolve_direct(&[huge], &[huge])),
        rejects("correlate overflow", || signal::correlate(&[huge], &[huge])),
        // stats
        rejects("two_sided_z 1", || stats::two_sided_z(1.0)),
        rejects("two_sided_z NaN", || stats::two_sided_z(NAN)),
        rejects("welford empty mean", || stats::Welford::new().mean()),
        rejects("welford NaN", || {
            let mut w = stats::Welford::new();
            w.extend([1.0, NAN, 2.0]);
            w.mean()
        }),
        rejects("welford one variance", || {
            let mut w = stats::Welford::new();
            w.push(1.0);
            w.variance()
        }),
        rejects("wilson trials 0", || stats::wilson_interval(0, 0, 0.99)),
        rejects("wilson successes > trials", || stats::wilson_interval(5, 3, 0.99)),
        rejects("clopper level", || stats::clopper_pearson_interval(1, 3, 1.5)),
        rejects("histogram range", || stats::Histogram::new(1.0, 1.0, 3)),
        rejects("histogram infinite width", || stats::Histogram::new(-1e308, 1e308, 3)),
        rejects("histogram bins 0", || stats::Histogram::new(0.0, 1.0, 0)),
        rejects("histogram bins huge", || stats::Histogram::new(0.0, 1.0, usize::MAX)),
        rejects("histogram merge", || {
            let mut a = stats::Histogram::new(0.0, 1.0, 3).unwrap();
            a.merge(&stats::Histogram::new(0.0, 1.0, 4).unwrap())
        }),
        rejects("density empty", || stats::Histogram::new(0.0, 1.0, 3).unwrap().density()),
        rejects("quantile []", || stats::quantile(&[], 0.5)),
        rejects("quantile p", || stats::quantile(&[1.0], 1.5)),
        rejects("quantile NaN", || stats::quantile(&[NAN], 0.5)),
        rejects("fit_line short", || stats::fit_line(&[1.0, 2.0], &[1.0, 2.0])),
        rejects("fit_line equal x", || stats::fit_line(&[1.0; 3], &[1.0, 2.0, 3.0])),
        rejects("fit_line overflow", || stats::fit_line(&[1e200, -1e200, 0.0], &[1.0, 2.0, 3.0])),
        rejects("fit_line lengths", || stats::fit_line(&[1.0, 2.0, 3.0], &[1.0])),
        rejects("fit_loglog negative", || stats::fit_loglog(&[1.0, -2.0, 3.0], &[1.0, 2.0, 3.0])),
        rejects("ks empty", || stats::ks_statistic(&[], |x| x)),
        rejects("ks bad cdf", || stats::ks_statistic(&[0.5], |_| 2.0)),
        rejects("ks bad cdf NaN", || stats::ks_statistic(&[0.5], |_| NAN)),
        rejects("ks_p_value n 0", || stats::ks_p_value(0.1, 0)),
        rejects("ks_p_value d", || stats::ks_p_value(1.5, 10)),
        rejects("ks_critical alpha", || stats::ks_critical_value(10, 0.0)),
        // special
        rejects("q_inv 0", || special::q_function_inv(0.0)),
        rejects("q_inv NaN", || special::q_function_inv(NAN)),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}

#[test]
fn extreme_but_valid_inputs_give_finite_answers() {
    // Norms beyond f64::MAX or in the subnormal range: exact directions.
    for scale in [1e300, 1e-310, f64::MAX] {
        let mut v = [scale, scale];
        sphere::normalize(&mut v).unwrap();
        assert!((v[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15, "{scale}: {v:?}");
    }
    // A quantile between values spanning more than f64::MAX.
    let q = stats::quantile(&[-1e308, 1e308], 0.5).unwrap();
    assert!(q.is_finite() && q.abs() < 1e300, "{q}");
}
