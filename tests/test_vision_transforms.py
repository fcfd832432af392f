"""ember.vision.transforms: expected pixel values computed independently (hand-made images,
NumPy formulas), PIL and tensor paths, reproducible randomness, reprs and bad inputs."""
import numpy as np
import pytest
from PIL import Image

import ember
from conftest import requires_torch
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

RNG = np.random.default_rng(1234)
RGB = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)  # H=6, W=8


def pil(a=RGB):
    return Image.fromarray(a)


def tens(a=RGB):
    """uint8 CHW tensor of an HWC array."""
    return ember.tensor(np.ascontiguousarray(a.transpose(2, 0, 1)))


def hwc(x):
    """HWC uint8 array of a PIL image or CHW tensor."""
    if isinstance(x, Image.Image):
        return np.asarray(x)
    return x.numpy().transpose(1, 2, 0)


# --- conversions ----------------------------------------------------------------------------
def test_to_tensor_pil_and_ndarray():
    x = T.ToTensor()(pil())
    assert tuple(x.shape) == (3, 6, 8) and x.dtype == ember.float32
    np.testing.assert_allclose(x.numpy(), RGB.transpose(2, 0, 1) / 255.0, rtol=0, atol=1e-7)
    g = T.ToTensor()(pil(RGB[:, :, 0]))
    assert tuple(g.shape) == (1, 6, 8)
    assert tuple(T.ToTensor()(RGB).shape) == (3, 6, 8)
    f = RNG.random((4, 5, 2)).astype(np.float64)
    out = T.ToTensor()(f)
    assert out.dtype == ember.float64 and np.array_equal(out.numpy(), f.transpose(2, 0, 1))
    i32 = Image.fromarray(np.arange(12, dtype=np.int32).reshape(3, 4))
    assert T.ToTensor()(i32).dtype == ember.int32
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2, 3])


def test_pil_to_tensor_and_back():
    x = T.PILToTensor()(pil())
    assert x.dtype == ember.uint8 and np.array_equal(hwc(x), RGB)
    for arr, mode in ((RGB, "RGB"), (RGB[:, :, 0], "L"),
                      (np.dstack([RGB, RGB[:, :, :1]]), "RGBA"), (RGB[:, :, :2], "LA")):
        img = T.ToPILImage()(tens(arr if arr.ndim == 3 else arr[:, :, None]))
        assert img.mode == mode and np.array_equal(np.asarray(img), arr)
    # Floats are scaled by 255 and truncated (0.999 * 255 = 254.7 -> 254).
    img = F.to_pil_image(ember.tensor([[[0.0, 0.5, 0.999, 1.0]]]))
    assert img.mode == "L" and np.asarray(img).tolist() == [[0, 127, 254, 255]]
    assert F.to_pil_image(ember.zeros(1, 2, 2), mode="F").mode == "F"
    with pytest.raises(ValueError, match="> 4 channels"):
        F.to_pil_image(ember.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_pil_image(ember.zeros(1, 1, 2, 2))
    assert repr(T.ToPILImage()) == "ToPILImage()" and repr(T.ToPILImage("L")) == \
        "ToPILImage(mode=L)"


def test_convert_image_dtype():
    u = ember.tensor(np.array([[[0, 1, 128, 255]]], np.uint8))
    f = T.ConvertImageDtype(ember.float32)(u)
    np.testing.assert_allclose(f.numpy(), [[[0, 1 / 255, 128 / 255, 1.0]]], rtol=1e-6)
    back = F.convert_image_dtype(ember.tensor([[[0.0, 0.5, 0.999, 1.0]]]), ember.uint8)
    assert back.tolist() == [[[0, 127, 255, 255]]]  # x * (255 + 1 - 1e-3), truncated
    assert F.convert_image_dtype(u, ember.int32).tolist() == [[[0, 1 << 23, 128 << 23,
                                                                 255 << 23]]]
    assert F.convert_image_dtype(ember.tensor([[[2 ** 31 - 1]]], dtype=ember.int32),
                                 ember.uint8).tolist() == [[[255]]]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(ember.zeros(1, 1, 1), ember.int64)


# --- Normalize ------------------------------------------------------------------------------
def test_normalize_values_inplace_and_grad():
    x = ember.tensor(RNG.random((2, 3, 4, 5)).astype(np.float32))
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    ref = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / \
        np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6)
    leaf = ember.ones(3, 2, 2, requires_grad=True)
    F.normalize(leaf, mean, std).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy()[:, 0, 0], 1 / np.array(std), rtol=1e-6)
    assert repr(T.Normalize((0.5,), (0.5,))) == "Normalize(mean=(0.5,), std=(0.5,))"


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), [0.5], [0.5]), TypeError,
     "should be a float tensor"),
    (lambda: F.normalize(ember.zeros(2, 2), [0.5], [0.5]), ValueError, r"\(\.\.\., C, H, W\)"),
    (lambda: F.normalize(ember.zeros(3, 2, 2), [0.5] * 3, [1, 0, 1]), ValueError,
     "std evaluated to zero"),
    (lambda: F.normalize(ember.zeros(3, 2, 2), [0.5] * 2, [1] * 3), ValueError, "2 values"),
    (lambda: F.normalize(np.zeros((3, 2, 2)), [0.5], [1]), TypeError, "Tensor"),
])
def test_normalize_bad_inputs(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


# --- Resize ---------------------------------------------------------------------------------
def test_resize_output_sizes():
    img = Image.new("RGB", (20, 10))  # W=20, H=10
    assert T.Resize(5)(img).size == (10, 5)
    assert T.Resize([5])(img).size == (10, 5)
    assert T.Resize((7, 3))(img).size == (3, 7)
    assert T.Resize(5, max_size=8)(img).size == (8, 4)
    t = ember.zeros(2, 3, 10, 20)
    assert tuple(T.Resize(5)(t).shape) == (2, 3, 5, 10)
    assert T.Resize(10)(img) is img  # already the requested size
    with pytest.raises(ValueError, match="max_size"):
        F.resize(img, [4, 4], max_size=10)
    assert repr(T.Resize(5)) == ("Resize(size=5, interpolation=bilinear, max_size=None, "
                                 "antialias=True)")


def test_resize_tensor_hand_computed():
    # 2x downscale with the antialiasing triangle filter = taps [1, 3, 3, 1] / 8 (edges
    # renormalised); without antialias it is the mean of the 2 middle pixels.
    row = np.array([0, 8, 16, 24, 32, 40, 48, 56], np.float32)
    x = ember.tensor(np.tile(row, (2, 1))[None])
    aa = F.resize(x, [2, 4], antialias=True).numpy()[0, 0]
    w = np.array([1, 3, 3, 1]) / 8.0
    exp = [(3 * 0 + 3 * 8 + 1 * 16) / 7, *(w @ row[i - 1:i + 3] for i in (2, 4)),
           (1 * 40 + 3 * 48 + 3 * 56) / 7]
    np.testing.assert_allclose(aa, exp, rtol=1e-6)
    plain = F.resize(x, [2, 4], antialias=False).numpy()[0, 0]
    np.testing.assert_allclose(plain, (row[0::2] + row[1::2]) / 2, rtol=1e-6)
    # 2x upscale (bilinear, align_corners=False): 0.25/0.75 blends, edges replicated.
    up = F.resize(ember.tensor([[[0.0, 4.0]]]), [1, 4]).numpy()[0, 0]
    np.testing.assert_allclose(up, [0, 1, 3, 4])
    near = F.resize(ember.tensor([[[0, 1, 2]]], dtype=ember.uint8), [1, 6],
                    interpolation=T.InterpolationMode.NEAREST)
    assert near.tolist() == [[[0, 0, 1, 1, 2, 2]]] and near.dtype == ember.uint8


def test_resize_pil_vs_tensor_uint8():
    big = RNG.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    for mode in (T.InterpolationMode.BILINEAR, T.InterpolationMode.BICUBIC):
        p = hwc(T.Resize((13, 17), interpolation=mode)(pil(big))).astype(int)
        t = hwc(T.Resize((13, 17), interpolation=mode)(tens(big))).astype(int)
        assert np.abs(p - t).max() <= 1  # Pillow works in fixed point


@requires_torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor_matches_torch_interpolate(mode, antialias):
    import torch
    x = RNG.random((2, 3, 17, 23)).astype(np.float32)
    for size in [(7, 9), (30, 41)]:
        ours = F.resize(ember.tensor(x), list(size), mode, antialias=antialias).numpy()
        kw = {} if mode == "nearest" else {"align_corners": False,
                                            "antialias": antialias}
        ref = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode, **kw)
        np.testing.assert_allclose(ours, ref.numpy(), atol=2e-6)


# --- crops ----------------------------------------------------------------------------------
@pytest.mark.parametrize("to", [pil, tens])
def test_center_crop_and_padding(to):
    out = hwc(T.CenterCrop(4)(to()))
    np.testing.assert_array_equal(out, RGB[1:5, 2:6])
    out = hwc(T.CenterCrop((3, 5))(to()))  # top = round(1.5) = 2, left = round(1.5) = 2
    np.testing.assert_array_equal(out, RGB[2:5, 2:7])
    big = hwc(T.CenterCrop((8, 11))(to()))  # padded with zeros: top 1/bottom 1, left 1/right 2
    exp = np.zeros((8, 11, 3), np.uint8)
    exp[1:7, 1:9] = RGB
    np.testing.assert_array_equal(big, exp)
    assert repr(T.CenterCrop(4)) == "CenterCrop(size=(4, 4))"


@pytest.mark.parametrize("to", [pil, tens])
def test_crop_outside_is_zero(to):
    out = hwc(F.crop(to(), -1, 6, 3, 4))
    exp = np.zeros((3, 4, 3), np.uint8)
    exp[1:, :2] = RGB[0:2, 6:8]
    np.testing.assert_array_equal(out, exp)


def _find_window(big, small):
    h, w = small.shape[:2]
    return [(i, j) for i in range(big.shape[0] - h + 1) for j in range(big.shape[1] - w + 1)
            if np.array_equal(big[i:i + h, j:j + w], small)]


@pytest.mark.parametrize("to", [pil, tens])
def test_random_crop(to):
    ember.manual_seed(0)
    t = T.RandomCrop(4, padding=2)
    a = hwc(t(to()))
    padded = np.pad(RGB, ((2, 2), (2, 2), (0, 0)))
    assert a.shape == (4, 4, 3) and _find_window(padded, a)
    ember.manual_seed(0)
    np.testing.assert_array_equal(hwc(t(to())), a)  # reproducible under manual_seed
    out = T.RandomCrop((10, 9), pad_if_needed=True, padding_mode="edge")(to())
    assert hwc(out).shape == (10, 9, 3)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(10)(to())
    assert repr(t) == "RandomCrop(size=(4, 4), padding=2)"


def test_random_crop_get_params_range():
    ember.manual_seed(1)
    seen = {T.RandomCrop.get_params(tens(), (4, 4))[:2] for _ in range(200)}
    assert seen == {(i, j) for i in range(3) for j in range(5)}


@pytest.mark.parametrize("to", [pil, tens])
def test_random_resized_crop(to):
    ember.manual_seed(0)
    t = T.RandomResizedCrop(5, scale=(0.5, 1.0))
    assert hwc(t(to())).shape == (5, 5, 3)
    big = to(np.zeros((60, 80, 3), np.uint8))
    for _ in range(50):
        i, j, h, w = T.RandomResizedCrop.get_params(big, [0.5, 1.0], [3 / 4, 4 / 3])
        assert 0 <= i <= 60 - h and 0 <= j <= 80 - w
        assert 0.5 * 4800 * 0.95 <= h * w <= 4800 and 0.7 < w / h < 1.4
    # Impossible ratio: falls back to the largest centred crop with the nearest ratio.
    assert T.RandomResizedCrop.get_params(to(), [1.0, 1.0], [4.0, 5.0]) == (2, 0, 2, 8)
    assert repr(t) == ("RandomResizedCrop(size=(5, 5), scale=(0.5, 1.0), ratio=(0.75, 1.3333),"
                       " interpolation=bilinear, antialias=True)")


@pytest.mark.parametrize("to", [pil, tens])
def test_five_and_ten_crop(to):
    crops = T.FiveCrop(3)(to())
    exp = [RGB[:3, :3], RGB[:3, 5:], RGB[3:, :3], RGB[3:, 5:], RGB[2:5, 2:5]]
    for c, e in zip(crops, exp):
        np.testing.assert_array_equal(hwc(c), e)
    ten = T.TenCrop(3)(to())
    assert len(ten) == 10
    np.testing.assert_array_equal(hwc(ten[5]), RGB[:3, ::-1][:, :3])


# --- flips, pad ----------------------------------------------------------------------------
@pytest.mark.parametrize("to", [pil, tens])
def test_flips(to):
    np.testing.assert_array_equal(hwc(T.RandomHorizontalFlip(1.0)(to())), RGB[:, ::-1])
    np.testing.assert_array_equal(hwc(T.RandomVerticalFlip(1.0)(to())), RGB[::-1])
    np.testing.assert_array_equal(hwc(T.RandomHorizontalFlip(0.0)(to())), RGB)
    ember.manual_seed(5)
    flips = [np.array_equal(hwc(T.RandomHorizontalFlip()(to())), RGB[:, ::-1])
             for _ in range(200)]
    assert 60 < sum(flips) < 140
    assert repr(T.RandomVerticalFlip(0.3)) == "RandomVerticalFlip(p=0.3)"


@pytest.mark.parametrize("to", [pil, tens])
@pytest.mark.parametrize("mode, np_mode", [("constant", "constant"), ("edge", "edge"),
                                           ("reflect", "reflect"),
                                           ("symmetric", "symmetric")])
def test_pad_modes(to, mode, np_mode):
    out = hwc(T.Pad((1, 2, 3, 4), fill=0, padding_mode=mode)(to()))  # left, top, right, bottom
    np.testing.assert_array_equal(out, np.pad(RGB, ((2, 4), (1, 3), (0, 0)), mode=np_mode))


@pytest.mark.parametrize("to", [pil, tens])
def test_pad_fill_per_channel(to):
    out = hwc(F.pad(to(), 1, fill=(10, 20, 30)))
    assert out.shape == (8, 10, 3) and out[0, 0].tolist() == [10, 20, 30]
    np.testing.assert_array_equal(out[1:-1, 1:-1], RGB)
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    with pytest.raises(ValueError, match="Padding mode"):
        T.Pad(1, padding_mode="wrap")


# --- rotations and affine -------------------------------------------------------------------
SQ = RNG.integers(1, 256, (6, 6, 3), dtype=np.uint8)


@pytest.mark.parametrize("to", [pil, tens])
def test_rotate_90_is_rot90(to):
    out = hwc(T.RandomRotation((90, 90))(to(SQ)))
    np.testing.assert_array_equal(out, np.rot90(SQ, 1))  # counter-clockwise
    out = hwc(F.rotate(to(RGB), 90, expand=True))
    np.testing.assert_array_equal(out, np.rot90(RGB, 1))
    out = hwc(F.rotate(to(SQ), 180, fill=7))
    np.testing.assert_array_equal(out, SQ[::-1, ::-1])


@pytest.mark.parametrize("to", [pil, tens])
def test_rotate_small_angle_fills_corners(to):
    out = hwc(F.rotate(to(SQ), 45, fill=(1, 2, 3)))
    assert out[0, 0].tolist() == [1, 2, 3] and out[5, 5].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(out[2:4, 2:4].shape, (2, 2, 3))


@pytest.mark.parametrize("to", [pil, tens])
def test_affine_translate_and_identity(to):
    out = hwc(F.affine(to(), angle=0.0, translate=[2, 1], scale=1.0, shear=[0.0, 0.0]))
    exp = np.zeros_like(RGB)
    exp[1:, 2:] = RGB[:-1, :-2]  # content moves right by 2, down by 1
    np.testing.assert_array_equal(out, exp)
    same = hwc(F.affine(to(), angle=0.0, translate=[0, 0], scale=1.0, shear=0.0))
    np.testing.assert_array_equal(same, RGB)
    turned = hwc(F.affine(to(SQ), angle=-90.0, translate=[0, 0], scale=1.0, shear=0.0))
    np.testing.assert_array_equal(turned, np.rot90(SQ, 1))  # affine angle is clockwise


def test_affine_pil_vs_tensor_general():
    for ang, tr, sc, sh in [(30, [2, -1], 1.2, [10, 5]), (-17, [0, 3], 0.8, [0, -8])]:
        p = hwc(F.affine(pil(), ang, tr, sc, sh))
        t = hwc(F.affine(tens(), ang, tr, sc, sh))
        assert (p != t).mean() < 0.05  # nearest sampling: rare ties at pixel edges


def test_random_affine_params_and_repr():
    ember.manual_seed(0)
    for _ in range(50):
        ang, (tx, ty), sc, (shx, shy) = T.RandomAffine.get_params(
            [-10, 10], [0.25, 0.5], [0.9, 1.1], [-5, 5, -3, 3], [8, 6])
        assert -10 <= ang <= 10 and abs(tx) <= 2 and abs(ty) <= 3 and 0.9 <= sc <= 1.1
        assert -5 <= shx <= 5 and -3 <= shy <= 3
    t = T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)
    assert hwc(t(pil())).shape == (6, 8, 3) and tuple(t(tens()).shape) == (3, 6, 8)
    assert repr(t) == ("RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.1), "
                       "scale=(0.9, 1.1), shear=[-5.0, 5.0])")
    assert repr(T.RandomRotation(10)) == ("RandomRotation(degrees=[-10.0, 10.0], "
                                          "interpolation=nearest, expand=False, fill=0)")
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)


@requires_torch
def test_tensor_affine_matches_torch_grid_sample():
    import torch
    x = RNG.random((1, 2, 7, 9)).astype(np.float32)
    m = F._get_inverse_affine_matrix([0.0, 0.0], 25.0, [1.0, -2.0], 1.1, [7.0, 3.0])
    theta = torch.tensor(m, dtype=torch.float32).reshape(1, 2, 3)
    # torchvision's grid: pixel centres relative to the image centre, scaled by 2/size.
    xs = torch.arange(9) + 0.5 - 4.5
    ys = torch.arange(7) + 0.5 - 3.5
    base = torch.stack(torch.meshgrid(xs, ys, indexing="xy") + (torch.ones(7, 9),), -1)
    grid = (base.reshape(-1, 3) @ theta[0].T) / torch.tensor([4.5, 3.5])
    ref = torch.nn.functional.grid_sample(torch.tensor(x), grid.reshape(1, 7, 9, 2),
                                          mode="bilinear", align_corners=False)
    ours = F.affine(ember.tensor(x), 25.0, [1, -2], 1.1, [7.0, 3.0],
                    interpolation=T.InterpolationMode.BILINEAR)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), atol=2e-6)


# --- colour ---------------------------------------------------------------------------------
def _gray(a):
    return 0.2989 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


def test_color_tensor_formulas_float():
    a = RNG.random((5, 4, 3)).astype(np.float32)
    x = ember.tensor(a.transpose(2, 0, 1).copy())
    np.testing.assert_allclose(hwc(F.adjust_brightness(x, 1.7)), np.clip(a * 1.7, 0, 1),
                               rtol=1e-6)
    m = _gray(a).mean()
    np.testing.assert_allclose(hwc(F.adjust_contrast(x, 0.3)),
                               np.clip(0.3 * a + 0.7 * m, 0, 1), rtol=1e-5)
    g = _gray(a)[..., None]
    np.testing.assert_allclose(hwc(F.adjust_saturation(x, 1.5)),
                               np.clip(1.5 * a - 0.5 * g, 0, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hwc(F.rgb_to_grayscale(x, 3)), np.repeat(g, 3, 2), rtol=1e-6)
    np.testing.assert_allclose(hwc(F.adjust_hue(x, 0.0)), a, atol=1e-6)


def test_color_tensor_uint8_truncates():
    x = ember.tensor(np.array([[[100]], [[200]], [[50]]], np.uint8))
    assert F.adjust_brightness(x, 1.5).tolist() == [[[150]], [[255]], [[75]]]
    assert F.rgb_to_grayscale(x).tolist() == [[[int(0.2989 * 100 + 0.587 * 200 + 0.114 * 50)]]]


@pytest.mark.parametrize("to", [pil, tens])
def test_hue_rotations(to):
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    cyan = hwc(F.adjust_hue(to(red), 0.5))[0, 0].astype(int)
    assert np.abs(cyan - [0, 255, 255]).max() <= (0 if to is tens else 6)  # PIL: 8-bit hue
    green = hwc(F.adjust_hue(to(red), 1 / 3))[0, 0]
    assert green[1] == 255 and green[0] <= 6 and green[2] <= 6
    with pytest.raises(ValueError, match=r"is not in \[-0.5, 0.5\]"):
        F.adjust_hue(to(red), 0.7)


def test_color_pil_close_to_tensor():
    for fn, arg in ((F.adjust_brightness, 1.3), (F.adjust_contrast, 0.6),
                    (F.adjust_saturation, 0.4)):
        p, t = hwc(fn(pil(), arg)).astype(int), hwc(fn(tens(), arg)).astype(int)
        assert np.abs(p - t).max() <= 1
    p = hwc(T.Grayscale(3)(pil())).astype(int)
    assert p.shape == (6, 8, 3) and np.abs(p[..., 0] - _gray(RGB.astype(float))).max() <= 1
    assert T.Grayscale()(pil()).mode == "L"
    with pytest.raises(ValueError, match="brightness_factor"):
        F.adjust_brightness(pil(), -1)


def test_color_jitter():
    t = T.ColorJitter(brightness=0.5, contrast=(0.2, 0.8), saturation=0, hue=0.1)
    assert t.saturation is None and t.brightness == [0.5, 1.5]
    ember.manual_seed(0)
    order, b, c, s, h = T.ColorJitter.get_params(t.brightness, t.contrast, None, t.hue)
    assert sorted(order.tolist()) == [0, 1, 2, 3] and 0.5 <= b <= 1.5 and 0.2 <= c <= 0.8
    assert s is None and -0.1 <= h <= 0.1
    ember.manual_seed(3)
    a = hwc(t(tens()))
    ember.manual_seed(3)
    np.testing.assert_array_equal(hwc(t(tens())), a)
    assert hwc(t(pil())).shape == (6, 8, 3)
    assert repr(t) == ("ColorJitter(brightness=[0.5, 1.5], contrast=(0.2, 0.8), "
                       "saturation=None, hue=[-0.1, 0.1])")
    with pytest.raises(ValueError, match="non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


def test_random_grayscale():
    out = T.RandomGrayscale(p=1.0)(tens())
    assert tuple(out.shape) == (3, 6, 8)
    assert np.array_equal(out.numpy()[0], out.numpy()[1])
    assert T.RandomGrayscale(p=0.0)(pil()).mode == "RGB"


# --- blur and erasing -----------------------------------------------------------------------
def _blur_reference(a, k, sigma):
    x = np.arange(k) - (k - 1) / 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    kern = np.outer(g, g)
    p = np.pad(a.astype(np.float64), ((k // 2, k // 2), (k // 2, k // 2)), mode="reflect")
    out = np.zeros(a.shape)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = (p[i:i + k, j:j + k] * kern).sum()
    return out


@pytest.mark.parametrize("to", [pil, tens])
def test_gaussian_blur_values(to):
    out = hwc(F.gaussian_blur(to(), 3, 1.2)).astype(int)
    ref = np.stack([_blur_reference(RGB[..., c], 3, 1.2) for c in range(3)], -1)
    assert np.abs(out - np.round(ref)).max() <= 1
    f = ember.tensor(RGB.transpose(2, 0, 1) / 255.0)
    outf = F.gaussian_blur(f, [5, 5], [0.8, 0.8]).numpy()
    np.testing.assert_allclose(outf[1], _blur_reference(RGB[..., 1] / 255.0, 5, 0.8),
                               rtol=1e-9, atol=1e-9)


def test_gaussian_blur_transform_and_errors():
    t = T.GaussianBlur(3, sigma=(0.1, 2.0))
    assert tuple(t(tens()).shape) == (3, 6, 8) and t(pil()).size == (8, 6)
    assert repr(t) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="odd and positive"):
        F.gaussian_blur(tens(), 2)


def test_random_erasing():
    x = ember.ones(3, 20, 20)
    ember.manual_seed(0)
    out = T.RandomErasing(p=1.0, value=0)(x)
    zeros = (out.numpy() == 0).all(0)
    rows, cols = np.nonzero(zeros)
    h, w = np.ptp(rows) + 1, np.ptp(cols) + 1
    assert zeros.sum() == h * w and 0.02 * 400 * 0.8 <= h * w <= 0.33 * 400 * 1.2
    assert (x.numpy() == 1).all()  # not in place by default
    out = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))(x)
    erased = out.numpy()[:, out.numpy()[0] != 1]
    assert erased.shape[1] > 0
    np.testing.assert_allclose(erased, np.broadcast_to([[0.1], [0.2], [0.3]], erased.shape),
                               rtol=1e-6)
    ember.manual_seed(0)
    r = T.RandomErasing(p=1.0, value="random")(x)
    assert (r.numpy() != 1).any()
    y = x.clone()
    assert T.RandomErasing(p=1.0, inplace=True)(y) is y
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(ValueError, match="'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="number of input channels"):
        T.RandomErasing(p=1.0, value=(1, 2))(x)
    assert repr(T.RandomErasing()) == ("RandomErasing(p=0.5, scale=(0.02, 0.33), "
                                       "ratio=(0.3, 3.3), value=0, inplace=False)")


# --- composition ----------------------------------------------------------------------------
def test_compose_lambda_and_random_composition():
    c = T.Compose([T.CenterCrop(4), T.ToTensor(), T.Lambda(lambda t: t * 2)])
    out = c(pil())
    np.testing.assert_allclose(out.numpy(), RGB[1:5, 2:6].transpose(2, 0, 1) / 255 * 2,
                               rtol=1e-6)
    assert repr(c) == "Compose(\n    CenterCrop(size=(4, 4))\n    ToTensor()\n    Lambda()\n)"
    flip = T.RandomHorizontalFlip(1.0)
    assert np.array_equal(hwc(T.RandomApply([flip], p=1.0)(pil())), RGB[:, ::-1])
    assert np.array_equal(hwc(T.RandomApply([flip], p=0.0)(pil())), RGB)
    assert repr(T.RandomApply([flip], p=0.3)) == \
        "RandomApply(\n    p=0.3\n    RandomHorizontalFlip(p=1.0)\n)"
    ember.manual_seed(0)
    picks = {T.RandomChoice([lambda x: 1, lambda x: 2])(None) for _ in range(50)}
    assert picks == {1, 2}
    assert T.RandomChoice([lambda x: 1, lambda x: 2], p=[0, 1])(None) == 2
    order = T.RandomOrder([lambda s: s + "a", lambda s: s + "b"])
    assert {order("") for _ in range(50)} == {"ab", "ba"}
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_transforms_are_modules_and_work_on_batches():
    assert isinstance(T.Normalize((0.5,), (0.5,)), ember.nn.Module)
    batch = ember.rand(4, 3, 10, 12)
    assert tuple(T.Resize((5, 6))(batch).shape) == (4, 3, 5, 6)
    assert tuple(T.RandomCrop(8)(batch).shape) == (4, 3, 8, 8)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(batch).numpy(),
                                  batch.numpy()[..., ::-1])


def test_random_transforms_reproducible_with_manual_seed():
    pipe = T.Compose([T.RandomResizedCrop(5), T.RandomHorizontalFlip(), T.RandomRotation(20),
                      T.ColorJitter(0.3, 0.3, 0.3, 0.05), T.ToTensor(), T.RandomErasing()])
    ember.manual_seed(42)
    a = [pipe(pil()).numpy() for _ in range(5)]
    ember.manual_seed(42)
    b = [pipe(pil()).numpy() for _ in range(5)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_bad_image_inputs():
    with pytest.raises(TypeError, match="PIL Image or Tensor"):
        F.hflip(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="torch image"):
        F.resize(ember.zeros(5), [2, 2])
    with pytest.raises(TypeError, match="channel"):
        F.adjust_saturation(ember.zeros(2, 3, 3), 0.5)


# --- AutoAugment ----------------------------------------------------------------------------
@pytest.mark.parametrize("policy", list(T.AutoAugmentPolicy))
def test_autoaugment_policies(policy):
    aa = T.AutoAugment(policy)
    ember.manual_seed(0)
    img = RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    for _ in range(25):
        out = aa(tens(img))
        assert out.dtype == ember.uint8 and tuple(out.shape) == (3, 16, 16)
        assert aa(pil(img)).size == (16, 16)
    assert len(aa.policies) == 25
    ember.manual_seed(9)
    a = aa(tens(img)).numpy()
    ember.manual_seed(9)
    np.testing.assert_array_equal(aa(tens(img)).numpy(), a)


def test_autoaugment_ops_pil_vs_tensor():
    img = RNG.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    for fn in (F.invert, F.equalize, lambda i: F.posterize(i, 3),
               lambda i: F.solarize(i, 128)):
        np.testing.assert_array_equal(hwc(fn(pil(img))), hwc(fn(tens(img))))
    for fn in (F.autocontrast, lambda i: F.adjust_sharpness(i, 1.8)):  # rounding differs
        diff = hwc(fn(pil(img))).astype(int) - hwc(fn(tens(img)))
        assert np.abs(diff).max() <= 1
    np.testing.assert_array_equal(hwc(F.invert(tens(img))), 255 - img)
    np.testing.assert_array_equal(hwc(F.posterize(tens(img), 2)), img & 0b11000000)
    np.testing.assert_array_equal(hwc(F.solarize(tens(img), 100)),
                                  np.where(img >= 100, 255 - img, img))
