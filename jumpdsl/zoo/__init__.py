"""The model zoo: classic architectures as ``.jnet`` files shipped in the package, each
parameter for parameter its reference's (docs/zoo.md). A bare name (``resnet50``) that is
not a file names one of them: a file of the zoo (``resnet``, ``mobilenet_v2``), or a variant,
which is a family's file with the parameters that make the reference's variant
(``resnet50`` is ``resnet`` with ``depth=50``); no torch here.

>>> "resnet50" in names() and "resnet" not in names()
True
>>> spec_path("resnet50").name, spec_path("specs/mine.jnet").as_posix()
('resnet.jnet', 'specs/mine.jnet')
>>> spec_and_params("resnext50_32x4d", {"classes": 10})[1]
{'depth': 50, 'groups': 32, 'width': 4, 'classes': 10}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["VARIANTS", "ZOO", "is_zoo_name", "names", "spec_and_params", "spec_path"]

ZOO = Path(__file__).resolve().parent

# name → (the family's file in the zoo, without .jnet; its parameters for the variant): the
# reference's variants of one family spec, each as `--set` on the family's file (docs/zoo.md)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "resnet18": ("resnet", {"depth": 18}),
    "resnet34": ("resnet", {"depth": 34}),
    "resnet50": ("resnet", {"depth": 50}),
    "resnet101": ("resnet", {"depth": 101}),
    "resnet152": ("resnet", {"depth": 152}),
    "resnext50_32x4d": ("resnet", {"depth": 50, "groups": 32, "width": 4}),
    "resnext101_32x8d": ("resnet", {"depth": 101, "groups": 32, "width": 8}),
    "resnext101_64x4d": ("resnet", {"depth": 101, "groups": 64, "width": 4}),
    "wide_resnet50_2": ("resnet", {"depth": 50, "width": 128}),
    "wide_resnet101_2": ("resnet", {"depth": 101, "width": 128}),
    "densenet121": ("densenet", {}),
    "densenet161": ("densenet", {"k": 48, "blocks": [6, 12, 36, 24]}),
    "densenet169": ("densenet", {"blocks": [6, 12, 32, 32]}),
    "densenet201": ("densenet", {"blocks": [6, 12, 48, 32]}),
    "mobilenet_v3_large": ("mobilenet_v3", {}),
    "mobilenet_v3_small": ("mobilenet_v3", {"small": True}),
    "mnasnet0_5": ("mnasnet", {"alpha": 0.5}),
    "mnasnet0_75": ("mnasnet", {"alpha": 0.75}),
    "mnasnet1_0": ("mnasnet", {}),
    "mnasnet1_3": ("mnasnet", {"alpha": 1.3}),
    "vit_b_16": ("vit", {}),
    "vit_b_32": ("vit", {"patch": 32}),
    "vit_l_16": ("vit", {"layers": 24, "heads": 16, "hidden": 1024, "mlp": 4096}),
    "swin_t": ("swin", {}),
    "swin_s": ("swin", {"depths": [2, 2, 18, 2], "sd": 0.3}),
    "swin_b": ("swin", {"depths": [2, 2, 18, 2], "dim": 128, "heads": [4, 8, 16, 32], "sd": 0.5}),
    "efficientnet_b0": ("efficientnet", {}),
    "efficientnet_b1": ("efficientnet", {"width": 1.0, "depth": 1.1, "dropout": 0.2}),
    "efficientnet_b2": ("efficientnet", {"width": 1.1, "depth": 1.2, "dropout": 0.3}),
    "efficientnet_b3": ("efficientnet", {"width": 1.2, "depth": 1.4, "dropout": 0.3}),
    "efficientnet_b4": ("efficientnet", {"width": 1.4, "depth": 1.8, "dropout": 0.4}),
    **{
        f"efficientnet_b{n}": (
            "efficientnet",
            {"width": w, "depth": d, "dropout": p, "bn_eps": 1e-3, "bn_momentum": 0.01},
        )
        for n, w, d, p in ((5, 1.6, 2.2, 0.4), (6, 1.8, 2.6, 0.5), (7, 2.0, 3.1, 0.5))
    },
    "efficientnet_v2_s": ("efficientnet_v2", {}),
    "convnext_tiny": ("convnext", {}),
    "convnext_small": ("convnext", {"sd": 0.4, "stages": [(96, 3), (192, 3), (384, 27), (768, 3)]}),
    "convnext_base": (
        "convnext",
        {"sd": 0.5, "stages": [(128, 3), (256, 3), (512, 27), (1024, 3)]},
    ),
    "convnext_large": (
        "convnext",
        {"sd": 0.5, "stages": [(192, 3), (384, 3), (768, 27), (1536, 3)]},
    ),
    "squeezenet1_0": ("squeezenet", {}),
    "squeezenet1_1": ("squeezenet", {"version": 1.1}),
    "shufflenet_v2_x0_5": ("shufflenet", {"stages": [(48, 4), (96, 8), (192, 4)]}),
    "shufflenet_v2_x1_0": ("shufflenet", {}),
    "shufflenet_v2_x1_5": ("shufflenet", {"stages": [(176, 4), (352, 8), (704, 4)]}),
    "shufflenet_v2_x2_0": ("shufflenet", {"stages": [(244, 4), (488, 8), (976, 4)], "last": 2048}),
    "regnet_x_400mf": ("regnet", {}),
    "regnet_y_400mf": (
        "regnet",
        {"depth": 16, "w_0": 48, "w_a": 27.89, "w_m": 2.09, "group_width": 8, "se_ratio": 0.25},
    ),
    **{
        f"vgg{depth}{'_bn' if bn else ''}": ("vgg", {"depth": depth, "batch_norm": bn})
        for depth in (11, 13, 16, 19)
        for bn in (False, True)
    },
}


def names() -> list[str]:
    """The zoo's models, by name, in natural order (resnet18 before resnet101): the variants,
    and the files that are no family of variants."""
    families = {family for family, _ in VARIANTS.values()}
    files = {p.stem for p in ZOO.glob("*.jnet")} - families
    return sorted(files | set(VARIANTS), key=_natural)


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]


def is_zoo_name(spec: str | Path) -> bool:
    """Whether ``spec`` names a zoo model: a bare word (no folder, no suffix) that is not a
    file here and is a file of the zoo or one of its variants."""
    text = str(spec)
    bare = Path(text).name == text and not Path(text).suffix
    known = text in VARIANTS or (ZOO / f"{text}.jnet").is_file()
    return bare and known and not Path(text).exists()


def spec_path(spec: str | Path) -> Path:
    """The file a spec argument means: a zoo model's file (a variant's family file) for its
    bare name, else the path."""
    if not is_zoo_name(spec):
        return Path(spec)
    family = VARIANTS[str(spec)][0] if str(spec) in VARIANTS else str(spec)
    return ZOO / f"{family}.jnet"


def spec_and_params(
    spec: str | Path, params: Mapping[str, Any] | None = None
) -> tuple[Path, dict[str, Any]]:
    """The file a spec argument means and the parameters to check it with: a variant's own
    first, ``params`` over them (``resnet50`` with ``depth=101`` is resnet101)."""
    preset = VARIANTS[str(spec)][1] if is_zoo_name(spec) and str(spec) in VARIANTS else {}
    return spec_path(spec), {**preset, **(params or {})}
