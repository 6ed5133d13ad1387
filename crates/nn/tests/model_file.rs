//! Model files: save then load gives bit-identical outputs (the UNet's
//! batch-norm statistics included); another architecture, a corrupted or
//! truncated weights file, an edited card are refused; saving is
//! deterministic (same weights, same bytes); a net moves between backends.

use burn::module::AutodiffModule;
use burn::tensor::{Distribution, Tensor};
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::train::{TrainConfig, TrainLog};
use infoflow_nn::unet::UNetConfig;
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::{Architecture, Cpu, CpuTrain, Error, Net};

fn card(arch: &Architecture, net: &Net<Cpu>) -> ModelCard {
    let log = TrainLog { steps: 3, best_step: 3, best_validation: 0.5, ..TrainLog::default() };
    let recipe = TrainConfig::new(3, 2, 1e-3, 1);
    ModelCard::new("test", arch, net, &recipe, serde_json::json!({"task": "test"}), &log, "test", "none")
}

#[test]
fn save_load_round_trip_and_refusals() {
    let device = Default::default();
    let dir = tempfile::tempdir().unwrap();
    let x = Tensor::<Cpu, 3>::random([2, 2, 40], Distribution::Normal(0.0, 1.0), &device);
    let unet_arch = Architecture::UNet(UNetConfig::new(2, 4).with_first_kernel(7));
    let wave_arch = Architecture::WaveNet(WaveNetConfig::new(2, 4).with_zero_output(false));
    for (name, arch) in [("unet", &unet_arch), ("wavenet", &wave_arch)] {
        // A training-mode pass moves the batch-norm statistics off their
        // initial values, so the round trip must carry them.
        let train_net = arch.init::<CpuTrain>(&device).unwrap();
        let xt = Tensor::<CpuTrain, 3>::random([3, 2, 40], Distribution::Normal(1.0, 2.0), &device);
        train_net.forward(xt).unwrap();
        let net = train_net.valid();
        let mut c = card(arch, &net);
        let path = dir.path().join(name);
        model_file::save(&path, &net, &mut c).unwrap();
        let (loaded, loaded_card) = model_file::load::<Cpu>(&path, &device).unwrap();
        assert_eq!(loaded_card, c);
        let before: Vec<f32> = net.forward(x.clone()).unwrap().into_data().into_vec().unwrap();
        let after: Vec<f32> = loaded.forward(x.clone()).unwrap().into_data().into_vec().unwrap();
        assert_eq!(before, after, "{name}: bit-identical outputs after a round trip");
        assert!(model_file::load_expecting::<Cpu>(&path, arch, &device).is_ok());
        // The file is a function of the weights: saving the loaded net again
        // (several times: a hash map's order would change between saves)
        // writes the same bytes, so a retrained model's checksum is
        // reproducible.
        let bytes = std::fs::read(path.join(model_file::WEIGHTS_FILE)).unwrap();
        for k in 0..6 {
            let again = dir.path().join(format!("{name}-again-{k}"));
            let mut c2 = c.clone();
            model_file::save(&again, &loaded, &mut c2).unwrap();
            assert_eq!(c2.weights_xxh3, c.weights_xxh3, "{name}: same checksum on save {k}");
            assert_eq!(std::fs::read(again.join(model_file::WEIGHTS_FILE)).unwrap(), bytes);
        }
    }
    let unet = dir.path().join("unet");

    // A net moved to another backend (here the autodiff one and back to
    // the plain one) computes the same function; another architecture is
    // refused.
    let (net, _) = model_file::load::<Cpu>(&unet, &device).unwrap();
    let moved = model_file::transfer::<Cpu, CpuTrain>(&net, &unet_arch, &device).unwrap();
    let back = model_file::transfer::<CpuTrain, Cpu>(&moved, &unet_arch, &device).unwrap();
    let before: Vec<f32> = net.forward(x.clone()).unwrap().into_data().into_vec().unwrap();
    let after: Vec<f32> = back.forward(x.clone()).unwrap().into_data().into_vec().unwrap();
    assert_eq!(before, after);
    assert!(model_file::transfer::<Cpu, Cpu>(&net, &wave_arch, &device).is_err());

    // Another architecture than the caller expects.
    let refused = model_file::load_expecting::<Cpu>(&unet, &wave_arch, &device);
    assert!(matches!(refused, Err(Error::ModelFile { .. })), "{refused:?}");

    // A corrupted or truncated weights file.
    let weights = unet.join(model_file::WEIGHTS_FILE);
    let good = std::fs::read(&weights).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    std::fs::write(&weights, &bad).unwrap();
    assert!(matches!(model_file::load::<Cpu>(&unet, &device), Err(Error::ModelFile { .. })));
    std::fs::write(&weights, &good[..good.len() / 2]).unwrap();
    assert!(matches!(model_file::load::<Cpu>(&unet, &device), Err(Error::ModelFile { .. })));
    std::fs::write(&weights, &good).unwrap();

    // A card edited to another architecture (checksum still right): the
    // weights do not fit it.
    let card_path = unet.join(model_file::CARD_FILE);
    let text = std::fs::read_to_string(&card_path).unwrap();
    std::fs::write(&card_path, text.replace("\"first_kernel\": 7", "\"first_kernel\": 9")).unwrap();
    let refused = model_file::load::<Cpu>(&unet, &device);
    assert!(matches!(refused, Err(Error::ModelFile { .. })), "{refused:?}");
    // Another card format, garbage, a missing file.
    std::fs::write(&card_path, text.replace("\"format\": 2", "\"format\": 1")).unwrap();
    assert!(matches!(model_file::load::<Cpu>(&unet, &device), Err(Error::ModelFile { .. })));
    std::fs::write(&card_path, "{not json").unwrap();
    assert!(matches!(model_file::load::<Cpu>(&unet, &device), Err(Error::ModelFile { .. })));
    assert!(matches!(model_file::load::<Cpu>(&dir.path().join("none"), &device), Err(Error::Io { .. })));
}
