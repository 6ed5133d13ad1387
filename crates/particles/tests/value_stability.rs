//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed (see `infoflow_numerics::fuzz::pin`).

use infoflow_numerics::fuzz::pin;
use infoflow_numerics::rng::Streams;
use infoflow_particles::Particles;

#[test]
fn first_outputs_are_pinned() {
    let rng = |key: &str| Streams::for_point(7, "particles.value-stability", key).stream(0);
    let round = |v: Vec<f64>| v.iter().map(|x| format!("{x:.12}")).collect::<Vec<_>>();
    let p = Particles::uniform(3, 3, &mut rng("uniform")).unwrap();
    let pins = [
        pin("uniform_token_0", round(p.position(0)), r#"["-0.716726312039", "-0.644907253656", "-0.265326266722"]"#),
        pin("uniform_token_2", round(p.position(2)), r#"["0.141397334598", "0.509121816171", "-0.849000453514"]"#),
    ];
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
