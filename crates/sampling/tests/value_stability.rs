//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed (see `infoflow_numerics::fuzz::pin`).

use infoflow_numerics::fuzz::pin;
use infoflow_numerics::rng::Streams;
use infoflow_sampling::distribution::Discrete;
use infoflow_sampling::divergence::Kl;
use infoflow_sampling::online::{Adversary, Learner, play};
use infoflow_sampling::sampler::{Rule, rejection_sample};

#[test]
fn first_outputs_are_pinned() {
    let rng = |key: &str| Streams::for_point(7, "sampling.value-stability", key).stream(0);
    let ratios = [0.2, 1.5, 0.7, 3.0, 0.1, 1.0];
    let picks = |rule: Rule, key: &str| {
        let mut r = rng(key);
        (0..8).map(|_| rule.select(&ratios, &mut r).unwrap()).collect::<Vec<_>>()
    };
    let zipf = Discrete::zipf(10, 1.1).unwrap();
    let mut r = rng("discrete");
    let draws: Vec<usize> = (0..8).map(|_| zipf.sample(&mut r)).collect();
    let mut r = rng("rejection");
    let exact: Vec<i32> = (0..4)
        .map(|_| {
            rejection_sample(
                |g: &mut _| {
                    let x = rand::RngExt::random_range(g, 0..4);
                    (x, [0.5, 1.0, 1.5, 1.0][x as usize])
                },
                1.5,
                1000,
                &mut r,
            )
            .unwrap()
        })
        .collect();
    let game =
        play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 16 }, 50, 0.1, &mut rng("game")).unwrap();
    let pins = [
        pin("select_truncated", picks(Rule::truncated(2.0).unwrap(), "truncated"), r#"[1, 3, 1, 1, 1, 0, 0, 3]"#),
        pin("select_sir", picks(Rule::Sir, "sir"), r#"[5, 2, 3, 1, 3, 3, 1, 3]"#),
        pin("discrete_sample", draws, r#"[4, 7, 2, 0, 0, 0, 3, 2]"#),
        pin("rejection_sample", exact, r#"[1, 0, 3, 1]"#),
        pin("online_game", format!("{:.10} {:.10}", game.loss, game.best), r#""9.1857140739 4.0000000000""#),
    ];
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
