//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed (see `infoflow_numerics::fuzz::pin`).

use faer::Mat;
use infoflow_kernel_tests::data::{self, PerturbedUniform};
use infoflow_kernel_tests::kernel::{FeatureMap, RandomFourier};
use infoflow_numerics::fuzz::pin;
use infoflow_numerics::rng::Streams;

#[test]
fn first_outputs_are_pinned() {
    let rng = |key: &str| Streams::for_point(7, "kernel-tests.value-stability", key).stream(0);
    let first = |m: Mat<f64>| (0..m.ncols().min(3)).map(|j| format!("{:.12}", m[(0, j)])).collect::<Vec<_>>();
    let pu = PerturbedUniform::new(10, 0.3).unwrap();
    let rff = RandomFourier::new(2, 4, 1.0, &mut rng("rff")).unwrap();
    let x = Mat::from_fn(1, 2, |_, j| 0.5 + j as f64);
    let pins = [
        pin(
            "gaussian_shift",
            first(data::gaussian_shift(2, 3, 1.0, &mut rng("shift"))),
            r#"["0.052379472132", "-0.715390399121", "0.097494636832"]"#,
        ),
        pin("blob", first(data::blob(2, true, &mut rng("blob"))), r#"["0.133692087651", "3.908475285310"]"#),
        pin(
            "hdgm",
            first(data::hdgm(2, 3, true, &mut rng("hdgm")).unwrap()),
            r#"["0.091881153339", "0.285956930423", "-0.588367231763"]"#,
        ),
        pin(
            "perturbed_uniform_counts",
            PerturbedUniform::counts(&pu.p0, 1000, &mut rng("counts")).unwrap(),
            r#"[147, 55, 132, 54, 131, 58, 150, 68, 137, 68]"#,
        ),
        pin(
            "random_fourier",
            first(rff.map(x.as_ref()).unwrap()),
            r#"["0.287753746054", "0.358692649487", "-0.292647670192"]"#,
        ),
    ];
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
