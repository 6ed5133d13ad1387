//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed (see `infoflow_numerics::fuzz::pin`).

use infoflow_numerics::fuzz::pin;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::interference::Interference;
use infoflow_rf_signal::mixture::{Dataset, MixtureType, add_awgn, random_window};
use infoflow_rf_signal::modem::random_bits;

#[test]
fn first_outputs_are_pinned() {
    let rng = |key: &str| Streams::for_point(7, "rf-signal.value-stability", key).stream(0);
    let round = |v: &[C64]| v.iter().take(2).map(|z| format!("{:.10}{:+.10}i", z.re, z.im)).collect::<Vec<_>>();
    let mut pins = vec![pin(
        "random_bits",
        random_bits(16, &mut rng("bits")),
        r#"[1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0]"#,
    )];
    let families = Interference::challenge_stand_ins();
    let generate = |k: usize| round(&families[k].1.generate(256, &mut rng(families[k].0)).unwrap());
    pins.push(pin("interference_0", generate(0), r#"["-0.3620607692+0.4662473363i", "-0.3289529921+0.4355513009i"]"#));
    pins.push(pin("interference_1", generate(1), r#"["-0.7242679599+0.7717561831i", "-0.8509644513+0.8627030743i"]"#));
    pins.push(pin("interference_2", generate(2), r#"["-1.3479111332-0.3616157366i", "-1.7174342462-0.0454654739i"]"#));
    pins.push(pin("interference_3", generate(3), r#"["0.5289668425-0.4534001507i", "-0.3346501126-0.3819908539i"]"#));
    let kind = MixtureType::challenge_stand_ins().remove(0);
    let train = Dataset::new(kind.clone(), 3).train(0).unwrap();
    pins.push(pin(
        "dataset_train_0",
        (round(&train.mixture), format!("{:.10}", train.target_sinr_db)),
        r#"(["-17.7941778537-15.4126282804i", "-15.6333758948-15.3772387440i"], "-31.7336324843")"#,
    ));
    let test = Dataset::new(kind, 3).test(1, -6.0).unwrap();
    pins.push(pin(
        "dataset_test_1",
        (round(&test.mixture), format!("{:.10}", test.phase)),
        r#"(["0.7108898445+1.2106597490i", "0.9943984826+1.1076323692i"], "5.6963483081")"#,
    ));
    let frame: Vec<C64> = (0..64).map(|i| C64::new(i as f64, 1.0)).collect();
    pins.push(pin(
        "random_window",
        round(&random_window(&frame, 8, &mut rng("window")).unwrap()),
        r#"["0.9216867043+0.0219449215i", "0.9436316259+0.0219449215i"]"#,
    ));
    let mut noisy = vec![C64::new(0.0, 0.0); 2];
    add_awgn(&mut noisy, 1.0, &mut rng("awgn")).unwrap();
    pins.push(pin("add_awgn", round(&noisy), r#"["-0.0216130485+1.2135204424i", "-0.4784201743+1.0555312888i"]"#));
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
