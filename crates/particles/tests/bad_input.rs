//! Bad input for the public API of `infoflow-particles`: every probe must
//! return an error, never panic, hang or return a value (see
//! `infoflow_numerics::fuzz::rejects`).

use faer::Mat;
use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::rng::Streams;
use infoflow_particles::ensemble::{Ensemble, EnsembleStep};
use infoflow_particles::euclidean::{self, EuclideanDynamics};
use infoflow_particles::{
    Attention, Event, Head, Mask, Normalization, Particles, Scheme, SolveOptions, SphereDynamics, Tolerances,
    log_times, observables, renyi, solve, theory,
};

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn every_bad_input_is_an_error() {
    let mut rng = Streams::for_point(1, "particles.bad-input", "table").stream(0);
    let p = Particles::uniform(4, 3, &mut rng).unwrap();
    let sa = SphereDynamics::new(&Attention::softmax(1.0), 3).unwrap();
    let euler = SolveOptions::new(Scheme::EulerRenormalize { step: 0.1 });
    let probes = [
        // Construction.
        rejects("on_sphere zero token", || Particles::on_sphere(Mat::zeros(2, 3))),
        rejects("on_sphere NaN", || Particles::on_sphere(Mat::from_fn(2, 3, |_, _| NAN))),
        rejects("on_sphere d = 0", || Particles::on_sphere(Mat::zeros(2, 0))),
        rejects("masses length", || Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |_, _| 1.0), vec![1.0])),
        rejects("mass zero", || Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |_, _| 1.0), vec![1.0, 0.0])),
        rejects("mass NaN", || Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |_, _| 1.0), vec![1.0, NAN])),
        rejects("in_space inf", || Particles::in_space(Mat::from_fn(2, 2, |_, _| INF))),
        rejects("uniform d = 0", || Particles::uniform(3, 0, &mut rng)),
        rejects("orthonormal d < n", || Particles::orthonormal(4, 3)),
        rejects("on_circle NaN", || Particles::on_circle(&[0.0, NAN])),
        // Models.
        rejects("beta NaN", || SphereDynamics::new(&Attention::softmax(NAN), 3)),
        rejects("no heads", || SphereDynamics::new(&Attention::softmax(1.0).with_heads(vec![]), 3)),
        rejects("value shape", || {
            SphereDynamics::new(&Attention::softmax(1.0).with_heads(vec![Head::with_value(Mat::zeros(2, 2))]), 3)
        }),
        rejects("value NaN", || {
            SphereDynamics::new(
                &Attention::softmax(1.0).with_heads(vec![Head::with_value(Mat::from_fn(3, 3, |_, _| NAN))]),
                3,
            )
        }),
        rejects("dimension mismatch", || sa.velocity(&Particles::uniform(4, 2, &mut rng).unwrap())),
        rejects("attention head index", || sa.attention_matrix(&p, 7)),
        rejects("USA overflow", || {
            let usa = SphereDynamics::new(&Attention::unnormalized(1e4), 3).unwrap();
            usa.velocity(&p)
        }),
        // Solvers.
        rejects("times negative", || solve(&sa, &p, &[-1.0], &euler)),
        rejects("times decreasing", || solve(&sa, &p, &[2.0, 1.0], &euler)),
        rejects("times NaN", || solve(&sa, &p, &[NAN], &euler)),
        rejects("times inf", || solve(&sa, &p, &[INF], &euler)),
        rejects("step zero", || solve(&sa, &p, &[1.0], &SolveOptions::new(Scheme::EulerRenormalize { step: 0.0 }))),
        rejects("step NaN", || solve(&sa, &p, &[1.0], &SolveOptions::new(Scheme::Rk4 { step: NAN }))),
        rejects("tolerance negative", || {
            let tol = Tolerances { atol: -1.0, ..Tolerances::default() };
            solve(&sa, &p, &[1.0], &SolveOptions::new(Scheme::Adaptive(tol)))
        }),
        rejects("max angle", || {
            let tol = Tolerances { max_angle: 2.0, ..Tolerances::default() };
            solve(&sa, &p, &[1.0], &SolveOptions::new(Scheme::Adaptive(tol)))
        }),
        rejects("step budget", || {
            let opts = SolveOptions { max_steps: 3, ..SolveOptions::new(Scheme::EulerRenormalize { step: 0.01 }) };
            solve(&sa, &p, &[1.0], &opts)
        }),
        rejects("merge tolerance NaN", || solve(&sa, &p, &[1.0], &euler.clone().with_merging(NAN))),
        rejects("merge with a causal mask", || {
            let causal = SphereDynamics::new(&Attention::softmax(1.0).with_mask(Mask::Causal), 3).unwrap();
            solve(&causal, &p, &[1.0], &euler.clone().with_merging(1e-3))
        }),
        rejects("event delta", || solve(&sa, &p, &[1.0], &euler.clone().with_event(Event::Consensus { delta: -1.0 }))),
        rejects("cap centres shape", || {
            let e = Event::CapEscape { centres: Mat::zeros(2, 2), epsilon: 0.1 };
            solve(&sa, &p, &[1.0], &euler.clone().with_event(e))
        }),
        rejects("log_times", || log_times(0.0, 1.0, 5)),
        rejects("log_times order", || log_times(2.0, 1.0, 5)),
        rejects("log_times count", || log_times(1.0, 2.0, 0)),
        // Ensembles.
        rejects("ensemble empty", || Ensemble::new(&[])),
        rejects("ensemble sizes", || {
            Ensemble::new(&[Particles::uniform(3, 3, &mut rng).unwrap(), Particles::uniform(4, 3, &mut rng).unwrap()])
        }),
        rejects("ensemble system index", || Ensemble::new(std::slice::from_ref(&p)).unwrap().system(3)),
        rejects("ensemble step NaN", || {
            let mut e = Ensemble::new(std::slice::from_ref(&p)).unwrap();
            e.euler_step(&EnsembleStep { beta: 1.0, normalization: Normalization::Softmax, step: NAN, threshold: None })
        }),
        rejects("ensemble beta NaN", || {
            let mut e = Ensemble::new(std::slice::from_ref(&p)).unwrap();
            e.euler_step(&EnsembleStep { beta: NAN, normalization: Normalization::Softmax, step: 0.1, threshold: None })
        }),
        // Euclidean model.
        rejects("euclidean dimension", || EuclideanDynamics::new(&Attention::softmax(1.0), 0)),
        rejects("euclidean step", || {
            let dynamics = EuclideanDynamics::new(&Attention::softmax(1.0), 3).unwrap();
            euclidean::solve(&dynamics, &p, &[1.0], 0.0, |_, _| Ok(()))
        }),
        rejects("expm NaN", || euclidean::expm(&Mat::from_fn(2, 2, |_, _| NAN))),
        rejects("expm not square", || euclidean::expm(&Mat::zeros(2, 3))),
        rejects("expm overflow", || euclidean::expm(&Mat::from_fn(2, 2, |i, j| if i == j { 1e3 } else { 0.0 }))),
        rejects("rescale t", || euclidean::rescale(&p, &Mat::zeros(3, 3), NAN)),
        rejects("dual functional shape", || euclidean::dominant_dual_functional(&Mat::zeros(2, 3))),
        // Observables.
        rejects("energy beta NaN", || observables::energy(&p, NAN, observables::EnergyNormalization::Standard)),
        rejects("fraction threshold NaN", || observables::fraction_of_pairs_above(&p, NAN)),
        rejects("fraction one particle", || {
            observables::fraction_of_pairs_above(&Particles::uniform(1, 3, &mut rng).unwrap(), 0.5)
        }),
        rejects("histogram bins 0", || observables::inner_product_histogram(&p, 0)),
        rejects("clusters threshold", || observables::clusters(&p, NAN)),
        rejects("effective dimension tolerance", || observables::effective_dimension(&p, -1.0)),
        rejects("numerical rank NaN", || observables::numerical_rank(&Mat::from_fn(2, 2, |_, _| NAN), 1e-9)),
        rejects("hull NaN", || observables::convex_hull_2d(&[(0.0, NAN)])),
        rejects("polygon index", || observables::polygon_area(&[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)], &[0, 1, 5])),
        rejects("polygon NaN", || observables::polygon_area(&[(0.0, 0.0), (1.0, NAN), (0.0, 1.0)], &[0, 1, 2])),
        // Theory.
        rejects("equiangular beta NaN", || theory::equiangular_solution(Normalization::Softmax, NAN, 4, 0.0, &[1.0])),
        rejects("equiangular rho0", || theory::equiangular_solution(Normalization::Softmax, 1.0, 4, 1.0, &[1.0])),
        rejects("equiangular n", || theory::equiangular_solution(Normalization::Softmax, 1.0, 1, 0.0, &[1.0])),
        rejects("equiangular USA overflow", || {
            theory::equiangular_solution(Normalization::Unnormalized, 1e3, 8, 0.0, &[0.5, 1.0])
        }),
        rejects("equiangular log gap overflow", || {
            theory::equiangular_log_gap(Normalization::Unnormalized, 800.0, 8, 0.5, &[1.0])
        }),
        rejects("transition delta", || theory::transition_time(Normalization::Softmax, 1.0, 4, 1.5, 10.0)),
        rejects("transition horizon", || theory::transition_time(Normalization::Softmax, 1.0, 4, 0.1, INF)),
        rejects("fastest mode", || theory::fastest_mode(0.0)),
        // Rényi.
        rejects("renyi delta", || renyi::renyi_centres(&p, 0.0)),
        rejects("strong renyi delta", || renyi::strong_renyi_centres(&p, NAN)),
        rejects("expected strong d", || renyi::expected_strong_centres(1, 10, 0.5)),
        rejects("parking tau", || renyi::parking_coverage(-1.0)),
        rejects("parking mean h", || renyi::parking_mean(3.0, 0.0)),
        rejects("parking mean huge grid", || renyi::parking_mean(1e12, 0.1)),
        rejects("circle centres delta", || renyi::expected_renyi_centres_circle(10, 7.0)),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}

#[test]
fn extreme_but_valid_inputs_give_finite_answers() {
    // Tokens whose norms overflow f64 still have a direction.
    let p = Particles::on_sphere(Mat::from_fn(2, 2, |i, j| if i == j { 1e300 } else { f64::MAX })).unwrap();
    assert!((0..2).all(|i| (p.position(i).iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-15));
    // Counts beyond i32 (a wrap-around made this negative).
    let big = renyi::expected_strong_centres(3, 3_000_000_000, 0.3).unwrap();
    let limit = 1.0 / infoflow_numerics::sphere::cap_measure(3, 0.3f64.cos()).unwrap();
    assert!(big.is_finite() && (big - limit).abs() < 1e-9 * limit, "{big} vs {limit}");
    // A cap too small to have a representable measure: every token is a centre.
    assert_eq!(renyi::expected_strong_centres(3, 10, 1e-200).unwrap(), 10.0);
}
