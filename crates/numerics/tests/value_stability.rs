//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed. A change here changes every experiment's numbers: it must be
//! deliberate, and the new values pasted in with the reason in the commit.

use infoflow_numerics::fuzz::{self, pin};
use infoflow_numerics::linalg::{RandomizedHadamard, gaussian_matrix, haar_orthogonal};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::complex_gaussian;
use infoflow_numerics::sphere::sample_uniform;

fn rng(key: &str) -> rand_chacha::ChaCha8Rng {
    Streams::for_point(7, "numerics.value-stability", key).stream(0)
}

#[test]
fn first_outputs_are_pinned() {
    let round = |v: &[f64]| v.iter().map(|x| format!("{x:.12}")).collect::<Vec<_>>();
    let g = gaussian_matrix(2, 2, &mut rng("gaussian"));
    let q = haar_orthogonal(3, &mut rng("haar"));
    let h = RandomizedHadamard::new(5, &mut rng("hadamard")).unwrap().apply(&[1.0f64, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let pins = [
        pin(
            "gaussian_matrix",
            round(&[g[(0, 0)], g[(1, 0)], g[(0, 1)], g[(1, 1)]]),
            r#"["0.160851070787", "-0.702430609291", "0.513726969008", "-1.614086229756"]"#,
        ),
        pin(
            "haar_orthogonal",
            round(q.unwrap().col_as_slice(0)),
            r#"["0.625144210401", "-0.746592756903", "0.227582889389"]"#,
        ),
        pin(
            "randomized_hadamard",
            round(&h),
            r#"["-5.303300858899", "-1.060660171780", "-0.353553390593", "-1.767766952966", "-1.767766952966", "2.474873734153", "3.181980515339", "1.767766952966"]"#,
        ),
        pin(
            "complex_gaussian",
            round(
                &complex_gaussian(2, 2.0, &mut rng("complex"))
                    .unwrap()
                    .iter()
                    .flat_map(|z| [z.re, z.im])
                    .collect::<Vec<_>>(),
            ),
            r#"["-0.075244121852", "-0.606670958362", "0.212590355188", "1.357336198203"]"#,
        ),
        pin(
            "sphere_sample_uniform",
            round(&sample_uniform(3, &mut rng("sphere")).unwrap()),
            r#"["0.226274237984", "-0.490057080900", "-0.841809970649"]"#,
        ),
        pin("fuzz_mutate", fuzz::mutate(b"infoflow", &mut rng("mutate")), r#"[105, 102, 44, 78, 238, 134]"#),
    ];
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
