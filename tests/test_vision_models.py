"""ember.vision.models: torchvision's architectures (parameter counts, state_dict names), a
forward pass, weights from a local file, and a PyTorch-written state_dict giving the same
outputs as the same model in PyTorch."""
import numpy as np
import pytest

import ember
from ember.vision import models
from conftest import requires_torch

# parameter counts of torchvision's models (num_classes=1000), public and stable
PARAMS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
          "vgg11": 132_863_336, "vgg16": 138_357_544, "vgg16_bn": 138_365_992,
          "alexnet": 61_100_840, "mobilenet_v2": 3_504_872}


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_parameter_counts_match_torchvision(name):
    m = models.get_model(name)
    assert sum(p.numel() for p in m.parameters()) == PARAMS[name]


def test_resnet18_state_dict_names():
    keys = list(models.resnet18().state_dict())
    assert len(keys) == 122
    assert keys[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                        "bn1.running_var", "bn1.num_batches_tracked"]
    assert "layer2.0.downsample.0.weight" in keys and "layer2.0.downsample.1.running_var" in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    mk = list(models.mobilenet_v2().state_dict())
    assert mk[0] == "features.0.0.weight" and "features.1.conv.0.0.weight" in mk
    assert "features.2.conv.3.running_mean" in mk and mk[-1] == "classifier.1.bias"


@pytest.mark.parametrize("name,size", [("resnet18", 64), ("mobilenet_v2", 64), ("lenet", 32),
                                       ("vgg11_bn", 32), ("alexnet", 64)])
def test_forward_shapes(name, size):
    m = models.get_model(name, num_classes=7).eval()
    with ember.no_grad():
        out = m(ember.randn(2, 3, size, size))
    assert out.shape == (2, 7) and np.isfinite(out.numpy()).all()


def test_weights_from_local_file(tmp_path):
    a = models.resnet18(num_classes=5)
    path = tmp_path / "r18.pth"
    ember.save(a.state_dict(), str(path))
    b = models.resnet18(weights=str(path), num_classes=5).eval()
    a.eval()
    x = ember.randn(1, 3, 32, 32)
    with ember.no_grad():
        np.testing.assert_allclose(a(x).numpy(), b(x).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="does not download"):
        models.resnet18(weights=object())


@requires_torch
def test_pytorch_state_dict_gives_same_outputs(tmp_path):
    """The blitz network written in PyTorch, saved with torch.save, loaded by Ember."""
    import torch
    import torch.nn as tnn

    class TorchNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.pool, self.conv2 = tnn.Conv2d(3, 6, 5), tnn.MaxPool2d(2, 2), \
                tnn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = tnn.Linear(400, 120), tnn.Linear(120, 84), \
                tnn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))
    torch.manual_seed(0)
    tn = TorchNet()
    path = tmp_path / "blitz.pth"
    torch.save(tn.state_dict(), str(path))
    en = models.lenet(weights=str(path))
    x = np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        expected = tn(torch.tensor(x)).numpy()
    with ember.no_grad():
        got = en(ember.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_weights_enums_use_the_local_cache_or_explain(tmp_path, monkeypatch):
    from ember.vision.models import ResNet18_Weights, VGG16_Weights, MobileNet_V2_Weights
    assert repr(ResNet18_Weights.DEFAULT) == "ResNet18_Weights.IMAGENET1K_V1"
    assert VGG16_Weights.IMAGENET1K_V1.filename.endswith(".pth")
    assert MobileNet_V2_Weights.DEFAULT is MobileNet_V2_Weights.IMAGENET1K_V2
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("EMBER_HOME", raising=False)
    with pytest.raises(RuntimeError, match="does not download.*resnet18-f37072fd.pth"):
        models.resnet18(weights=ResNet18_Weights.DEFAULT)
    with pytest.raises(RuntimeError, match="not available locally"):
        models.resnet18(weights="IMAGENET1K_V1")
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    src = models.resnet18()
    ember.save(src.state_dict(), str(cache / ResNet18_Weights.DEFAULT.filename))
    got = models.resnet18(weights="DEFAULT")
    for a, b in zip(src.state_dict().values(), got.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy())
    tf = ResNet18_Weights.DEFAULT.transforms()
    assert "CenterCrop(size=(224, 224))" in repr(tf)
