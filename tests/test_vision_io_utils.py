"""ember.vision.io (PNG/JPEG through Pillow) and ember.vision.utils (make_grid layout,
save_image, draw_bounding_boxes)."""
import io

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import io as vio
from ember.vision.utils import draw_bounding_boxes, make_grid, save_image

RNG = np.random.default_rng(7)


# --- make_grid ------------------------------------------------------------------------------
def test_make_grid_layout_hand_computed():
    imgs = ember.tensor(np.arange(1, 6, dtype=np.float32).reshape(5, 1, 1, 1) *
                        np.ones((5, 1, 2, 3), np.float32))
    grid = make_grid(imgs, nrow=2, padding=1, pad_value=9).numpy()
    # 2 columns x 3 rows of (2, 3) cells, 1-pixel gaps and border; gray → 3 channels.
    assert grid.shape == (3, 3 * 3 + 1, 4 * 2 + 1)
    exp = np.full((10, 9), 9.0, np.float32)
    for k in range(5):
        y, x = divmod(k, 2)
        exp[y * 3 + 1:y * 3 + 3, x * 4 + 1:x * 4 + 4] = k + 1
    for c in range(3):
        np.testing.assert_array_equal(grid[c], exp)


def test_make_grid_defaults_and_list_input():
    imgs = [ember.rand(3, 4, 5) for _ in range(10)]
    grid = make_grid(imgs)
    assert tuple(grid.shape) == (3, 2 + 2 * (4 + 2), 2 + 8 * (5 + 2))  # nrow=8, padding=2
    np.testing.assert_array_equal(grid.numpy()[:, 2:6, 2:7], imgs[0].numpy())
    np.testing.assert_array_equal(grid.numpy()[:, 8:12, 2:7], imgs[8].numpy())
    assert (grid.numpy()[:, 8:12, 16:] == 0).all()  # empty slots keep pad_value
    single = make_grid(ember.rand(1, 3, 4, 4))
    assert tuple(single.shape) == (3, 4, 4)  # one image: returned without padding
    assert tuple(make_grid(ember.rand(4, 4)).shape) == (3, 4, 4)


def test_make_grid_normalize():
    a = np.stack([np.full((1, 2, 2), 2.0), np.full((1, 2, 2), 6.0)]).astype(np.float32)
    a[0, 0, 0, 0] = -2.0
    t = ember.tensor(a)
    g = make_grid(t, nrow=2, padding=0, normalize=True).numpy()[0]
    np.testing.assert_allclose(g, np.hstack([(a[0, 0] + 2) / 8, (a[1, 0] + 2) / 8]))
    g = make_grid(t, nrow=2, padding=0, normalize=True, value_range=(0, 4)).numpy()[0]
    np.testing.assert_allclose(g, np.hstack([np.clip(a[0, 0], 0, 4) / 4, np.ones((2, 2))]))
    g = make_grid(t, nrow=2, padding=0, normalize=True, scale_each=True).numpy()[0]
    np.testing.assert_allclose(g[:, :2], (a[0, 0] + 2) / 4)
    np.testing.assert_allclose(g[:, 2:], 0.0)  # a constant image: (x - lo) / 1e-5 clamp
    assert (t.numpy() == a).all()  # input untouched
    with pytest.raises(TypeError, match="value_range"):
        make_grid(t, normalize=True, value_range=[0, 1])


def test_save_image_png_roundtrip(tmp_path):
    x = ember.tensor(RNG.random((2, 3, 5, 4)).astype(np.float32))
    path = tmp_path / "grid.png"
    save_image(x, str(path), nrow=2, padding=1)
    back = np.asarray(Image.open(path))
    grid = make_grid(x, nrow=2, padding=1).numpy()
    exp = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, exp)
    buf = io.BytesIO()
    save_image(x[0], buf, format="png")
    assert Image.open(io.BytesIO(buf.getvalue())).size == (4, 5)


# --- io -------------------------------------------------------------------------------------
@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB"), (4, "RGBA"), (2, "LA")])
def test_png_roundtrip_exact(tmp_path, channels, mode):
    a = RNG.integers(0, 256, (channels, 7, 9), dtype=np.uint8)
    path = tmp_path / "x.png"
    vio.write_png(ember.tensor(a), str(path))
    assert Image.open(path).mode == mode
    back = vio.read_image(str(path))
    assert back.dtype == ember.uint8 and np.array_equal(back.numpy(), a)
    enc = vio.encode_png(ember.tensor(a), compression_level=9)
    assert enc.dtype == ember.uint8 and enc.ndim == 1
    assert np.array_equal(vio.decode_png(enc).numpy(), a)
    assert np.array_equal(vio.decode_image(enc).numpy(), a)


def test_read_modes_and_palette(tmp_path):
    rgb = RNG.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    gray = vio.read_image(str(tmp_path / "c.png"), vio.ImageReadMode.GRAY)
    exp = np.asarray(Image.fromarray(rgb).convert("L"))
    assert tuple(gray.shape) == (1, 5, 6) and np.array_equal(gray.numpy()[0], exp)
    rgba = vio.read_image(str(tmp_path / "c.png"), mode=vio.ImageReadMode.RGB_ALPHA)
    assert tuple(rgba.shape) == (4, 5, 6) and (rgba.numpy()[3] == 255).all()
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    pal.save(tmp_path / "p.png")
    out = vio.read_image(str(tmp_path / "p.png"))
    assert tuple(out.shape) == (3, 5, 6)
    np.testing.assert_array_equal(out.numpy().transpose(1, 2, 0),
                                  np.asarray(pal.convert("RGB")))
    assert tuple(vio.read_image(str(tmp_path / "p.png"), "RGB").shape) == (3, 5, 6)


def test_jpeg_roundtrip_approximate(tmp_path):
    yy, xx = np.mgrid[0:32, 0:40]
    a = np.stack([yy * 7, xx * 6, (yy + xx) * 3]).astype(np.uint8)  # smooth ramps
    path = tmp_path / "x.jpg"
    vio.write_jpeg(ember.tensor(a), str(path), quality=95)
    back = vio.read_image(str(path))
    assert tuple(back.shape) == (3, 32, 40) and back.dtype == ember.uint8
    assert np.abs(back.numpy().astype(int) - a).mean() < 3
    data = vio.read_file(str(path))
    dec = vio.decode_jpeg(data)
    np.testing.assert_array_equal(dec.numpy(), back.numpy())
    assert len(vio.decode_jpeg([data, data])) == 2
    low = vio.encode_jpeg(ember.tensor(a), quality=10)
    assert low.numel() < data.numel()
    g = vio.decode_jpeg(data, mode=vio.ImageReadMode.GRAY)
    assert tuple(g.shape) == (1, 32, 40)


def test_read_write_file(tmp_path):
    payload = ember.tensor(np.frombuffer(b"\x00\x01ember\xff", np.uint8).copy())
    vio.write_file(str(tmp_path / "b.bin"), payload)
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01ember\xff"
    assert vio.read_file(str(tmp_path / "b.bin")).tolist() == payload.tolist()


@pytest.mark.parametrize("call, msg", [
    (lambda: vio.decode_image(ember.tensor(np.frombuffer(b"not an image", np.uint8).copy())),
     "could not decode"),
    (lambda: vio.decode_png(ember.tensor(np.frombuffer(b"\xff\xd8\xffjunk", np.uint8).copy())),
     "PNG signature"),
    (lambda: vio.decode_jpeg(ember.tensor(np.frombuffer(b"\x89PNG....", np.uint8).copy())),
     "JPEG signature"),
    (lambda: vio.decode_image(ember.zeros(4)), "1-D uint8"),
    (lambda: vio.encode_png(ember.zeros(3, 2, 2)), r"uint8 tensor of shape \(C, H, W\)"),
    (lambda: vio.encode_jpeg(ember.zeros(4, 2, 2, dtype=ember.uint8)), "1 or 3 channels"),
])
def test_io_bad_inputs(call, msg):
    with pytest.raises(RuntimeError, match=msg):
        call()


def test_encode_bad_levels():
    img = ember.zeros(3, 2, 2, dtype=ember.uint8)
    with pytest.raises(ValueError, match="Compression level"):
        vio.encode_png(img, compression_level=11)
    with pytest.raises(ValueError, match="quality"):
        vio.encode_jpeg(img, quality=0)


# --- draw_bounding_boxes --------------------------------------------------------------------
def test_draw_bounding_boxes():
    img = ember.zeros(3, 10, 12, dtype=ember.uint8)
    out = draw_bounding_boxes(img, ember.tensor([[1, 2, 6, 8]]), colors="red", labels=["a"])
    o = out.numpy()
    assert out.dtype == ember.uint8 and tuple(out.shape) == (3, 10, 12)
    assert o[:, 2, 1].tolist() == [255, 0, 0] and o[:, 8, 6].tolist() == [255, 0, 0]
    assert o[:, 5, 1].tolist() == [255, 0, 0] and o[:, 0, 0].tolist() == [0, 0, 0]
    assert (img.numpy() == 0).all()
    with pytest.raises(ValueError, match="xmin, ymin, xmax, ymax"):
        draw_bounding_boxes(img, ember.tensor([[5, 2, 1, 8]]))
