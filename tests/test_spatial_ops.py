"""The spatial and channel-part ops (pixel_shuffle, pixel_unshuffle, slice, split,
adaptive_avgpool, adaptive_maxpool, crop): their refusals, where torch refuses too, and the
uses they are for (ShuffleNet's halves, U-Net's cropped skips), by value against plain torch.
Each op's own examples are in test_ops.py."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from jumpdsl import load_text
from jumpdsl.api import check_text


def _spec(body: str, shape: str) -> str:
    return f"network T {{\n    input {shape}\n    stem {{ {body} }}\n}}\n"


@pytest.mark.parametrize(
    ("body", "shape", "code", "words"),
    [
        ("slice(2, 9)", "[8, 4, 4]", "JD313", "channels 2:9 of 8 channels"),
        ("slice(3, 3)", "[8, 4, 4]", "JD313", "channels 3:3"),
        ("split(3, 0)", "[8, 4, 4]", "JD313", "part 0 of 3 equal parts of 8 channels"),
        ("split(2, 2)", "[8]", "JD313", "part 2 of 2"),
        ("pixel_shuffle(2)", "[6, 4, 4]", "JD314", "6 channels do not divide by 2·2 = 4"),
        ("pixel_unshuffle(2)", "[3, 6, 5]", "JD314", "6×5 does not divide by 2"),
        ("pixel_shuffle(2)", "[8]", "JD305", "feature-map"),
        ("adaptive_avgpool(6x6)", "[8]", "JD305", "feature-map"),
        ("adaptive_maxpool(0)", "[8, 4, 4]", "JD203", "a size"),
        ("branch crop { { } { maxpool(2) } }", "[3, 8, 8]", "JD315", "3×4×4 tensor to 8×8"),
        ("branch crop { { } { } { } }", "[3, 8, 8]", "JD316", "crop takes two inputs, got 3"),
    ],
)
def test_refusals_name_the_problem(body: str, shape: str, code: str, words: str) -> None:
    result = check_text(_spec(body, shape))
    (diagnostic,) = [d for d in result.diagnostics if d.severity == "error"]
    assert diagnostic.code == code and words in diagnostic.message, diagnostic.message
    assert diagnostic.hint or not code.startswith("JD31")


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        (lambda x: F.pixel_shuffle(x, 2), (6, 4, 4)),
        (lambda x: F.pixel_unshuffle(x, 2), (3, 6, 5)),
    ],
)
def test_what_is_refused_torch_refuses_too(call, shape) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        call(torch.zeros(1, *shape))


def _net(body: str, shape: tuple[int, ...]) -> torch.nn.Module:
    return load_text(_spec(body, str(list(shape)))).eval()


@pytest.mark.parametrize("size", [(224, 224), (227, 227), (100, 131), (13, 13), (5, 3)])
def test_adaptive_pools_take_any_input_size(size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 2, *size)
    avg = _net("adaptive_avgpool(6x6)", (2, *size))
    torch.testing.assert_close(avg(x), torch.nn.AdaptiveAvgPool2d(6)(x), rtol=1e-6, atol=1e-6)
    top = _net("adaptive_maxpool((6, 4))", (2, *size))
    torch.testing.assert_close(top(x), torch.nn.AdaptiveMaxPool2d((6, 4))(x), rtol=0, atol=0)


def test_shufflenet_halves_are_chunk_and_concat() -> None:
    # torchvision's stride-1 unit: x1, x2 = x.chunk(2, dim=1); cat(x1, branch(x2)).
    net = _net(
        "branch concat { { split(2, 0) } { slice(3, 6) relu } } channel_shuffle(2)", (6, 3, 3)
    )
    x = torch.randn(2, 6, 3, 3)
    x1, x2 = x.chunk(2, dim=1)
    out = torch.cat((x1, x2.relu()), 1)
    expected = out.view(2, 2, 3, 3, 3).transpose(1, 2).reshape(2, 6, 3, 3)
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)


UNPADDED = """
block Up(f: int, across: tensor) {
    conv_transpose(f, 2x2, stride=2) as up
    skip concat from across { skip crop from up }
    conv(f, 3x3, padding=valid) relu
}

network Valid {
    input [2, 20, 20]
    stem { conv(4, 3x3, padding=valid) relu as early }
    learner { maxpool(2x2) conv(8, 3x3, padding=valid) relu Up(4, early) }
}
"""


def test_crop_makes_an_unpadded_unet_skip() -> None:
    # Ronneberger et al.'s copy-and-crop: the 18×18 features cut about their centre to the
    # 14×14 of the upsampled path (torchvision's center_crop), then joined before it.
    net = load_text(UNPADDED).eval()
    state = list(net.state_dict().values())
    x = torch.randn(2, 2, 20, 20)
    early = F.conv2d(x, state[0], state[1]).relu()
    low = F.conv2d(F.max_pool2d(early, 2), state[2], state[3]).relu()
    up = F.conv_transpose2d(low, state[4], state[5], stride=2)
    joined = torch.cat((early[:, :, 2:16, 2:16], up), 1)
    expected = F.conv2d(joined, state[6], state[7]).relu()
    torch.testing.assert_close(net(x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("size", "target"), [(64, 56), (9, 8), (7, 4), (5, 2), (6, 6)])
def test_crop_offsets_are_torchvision_center_crops(size: int, target: int) -> None:
    net = _net(
        f"branch crop {{ {{ conv(1, ({size - target + 1}, 1), padding=valid) }} {{ }} }}",
        (1, size, 3),
    )
    x = torch.arange(size * 3.0).view(1, 1, size, 3)
    # torchvision.transforms.functional.center_crop: top = int(round((size - target) / 2.0)).
    top = round((size - target) / 2.0)
    torch.testing.assert_close(net(x), x[:, :, top : top + target], rtol=0, atol=0)
