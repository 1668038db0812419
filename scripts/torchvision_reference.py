"""Write tests/data/torchvision_reference.json: what torchvision builds for each zoo model.

Run with a Python that has torchvision (it does not import beside the project's torch here, so
use a separate environment), from the repository root:

    python3 -m venv /tmp/tvenv
    /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tvenv/bin/python scripts/torchvision_reference.py
    /tmp/tvenv/bin/python scripts/torchvision_reference.py segmentation   # that section only

For each model (1000 classes, 3×224×224): the trainable parameter count, every parameter
tensor's name and shape in module order, the multiply-accumulates of its convs, linear and
attention layers counted by forward hooks (what jumpdsl's summary counts), and torchvision's
published figures (the weights' meta: num_params, and _ops in GFLOPS, which torchvision counts
as MACs). For some single blocks, taken out of those models: input shape, output shape and
parameter shapes.
No jumpdsl import: this is the reference the tests hold our specs to.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torchvision_reference.json"

MODELS = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "wide_resnet50_2",
    "resnext50_32x4d",
    "densenet121",
    "mobilenet_v2",
    "vgg16_bn",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "mnasnet0_5",
    "mnasnet0_75",
    "mnasnet1_0",
    "mnasnet1_3",
    "vit_b_16",
    "vit_b_32",
    "vit_l_16",
    "swin_t",
    "swin_s",
    "swin_b",
    "regnet_x_400mf",
    "regnet_y_400mf",
    "efficientnet_b0",
    "efficientnet_v2_s",
    "convnext_tiny",
    "googlenet",
    "inception_v3",
    "alexnet",
    "squeezenet1_0",
    "squeezenet1_1",
    "shufflenet_v2_x0_5",
    "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5",
    "shufflenet_v2_x2_0",
    # the other variants of the resnet, densenet and vgg family specs
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet101_2",
    "densenet161",
    "densenet169",
    "densenet201",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg19",
    "vgg19_bn",
]

# Models built with arguments other than the defaults: without the auxiliary heads (their
# parameters, with them, are recorded as "params_with_aux"), and torchvision's own init, which
# it asks for by name (init_weights=None warns).
WITHOUT_AUX = {"aux_logits": False, "init_weights": True}
KWARGS: dict[str, dict[str, Any]] = {"googlenet": WITHOUT_AUX, "inception_v3": WITHOUT_AUX}
# Models whose input is not the common one (recorded in their entry as "input").
INPUTS = {"inception_v3": [3, 299, 299]}

# torchvision.models.segmentation (21 classes, no pretrained backbone): entry → (model, aux_loss)
SEGMENTATION = {
    "fcn_resnet50": ("fcn_resnet50", False),
    "fcn_resnet50_aux": ("fcn_resnet50", True),
    "deeplabv3_resnet50": ("deeplabv3_resnet50", False),
    "deeplabv3_resnet50_aux": ("deeplabv3_resnet50", True),
}
# name → (model, dotted path of the block inside it, input shape without the batch axis)
BLOCKS = {
    "resnet_basic": ("resnet18", "layer1.0", [64, 56, 56]),
    "resnet_basic_down": ("resnet18", "layer2.0", [64, 56, 56]),
    "resnet_bottleneck_first": ("resnet50", "layer1.0", [64, 56, 56]),
    "resnet_bottleneck": ("resnet50", "layer1.1", [256, 56, 56]),
    "resnet_bottleneck_down": ("resnet50", "layer2.0", [256, 56, 56]),
    "resnext_bottleneck_down": ("resnext50_32x4d", "layer3.0", [512, 28, 28]),
    "wide_bottleneck_down": ("wide_resnet50_2", "layer4.0", [1024, 14, 14]),
    "dense_layer": ("densenet121", "features.denseblock2.denselayer3", [192, 28, 28]),
    "dense_block": ("densenet121", "features.denseblock1", [64, 56, 56]),
    "dense_transition": ("densenet121", "features.transition1", [256, 56, 56]),
    "inverted_residual_t1": ("mobilenet_v2", "features.1", [32, 112, 112]),
    "inverted_residual_down": ("mobilenet_v2", "features.2", [16, 112, 112]),
    "inverted_residual_skip": ("mobilenet_v2", "features.3", [24, 56, 56]),
    "mobilenet_v3_se": ("mobilenet_v3_large", "features.4.block.2", [72, 28, 28]),
    "mobilenet_v3_no_expansion": ("mobilenet_v3_large", "features.1", [16, 112, 112]),
    "mobilenet_v3_se_down": ("mobilenet_v3_large", "features.4", [24, 56, 56]),
    "mobilenet_v3_hardswish_skip": ("mobilenet_v3_large", "features.8", [80, 14, 14]),
    "mobilenet_v3_small_se_down": ("mobilenet_v3_small", "features.1", [16, 112, 112]),
    "mnasnet_stack": ("mnasnet1_0", "layers.9", [24, 56, 56]),
    "vit_encoder_block": ("vit_b_16", "encoder.layers.encoder_layer_0", [197, 768]),
    "mbconv_t1": ("efficientnet_b0", "features.1.0", [32, 112, 112]),
    "mbconv_down": ("efficientnet_b0", "features.2.0", [16, 112, 112]),
    "mbconv_skip": ("efficientnet_b0", "features.3.1", [40, 28, 28]),
    "fused_mbconv_skip": ("efficientnet_v2_s", "features.1.1", [24, 112, 112]),
    "fused_mbconv_down": ("efficientnet_v2_s", "features.2.0", [24, 112, 112]),
    "convnext_block": ("convnext_tiny", "features.1.0", [96, 56, 56]),
    "googlenet_inception": ("googlenet", "inception3a", [192, 28, 28]),
    "googlenet_inception_4e": ("googlenet", "inception4e", [528, 14, 14]),
    "googlenet_aux": ("googlenet+aux", "aux1", [512, 14, 14]),
    "inception_a": ("inception_v3", "Mixed_5b", [192, 35, 35]),
    "inception_b": ("inception_v3", "Mixed_6a", [288, 35, 35]),
    "inception_c": ("inception_v3", "Mixed_6b", [768, 17, 17]),
    "inception_d": ("inception_v3", "Mixed_7a", [768, 17, 17]),
    "inception_e": ("inception_v3", "Mixed_7b", [1280, 8, 8]),
    "inception_aux": ("inception_v3+aux", "AuxLogits", [768, 17, 17]),
    "fire": ("squeezenet1_0", "features.3", [96, 54, 54]),
    "shufflenet_unit_down": ("shufflenet_v2_x1_0", "stage2.0", [24, 56, 56]),
    "shufflenet_unit": ("shufflenet_v2_x1_0", "stage2.1", [116, 28, 28]),
}


def _shapes(module: nn.Module) -> list[list[Any]]:
    return [[name, list(p.shape)] for name, p in module.named_parameters() if p.requires_grad]


def _trainable(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _macs(model: nn.Module, shape: list[int]) -> int:
    """Multiply-accumulates of Conv2d, Linear, MultiheadAttention and Swin's window attention
    layers for one input of ``shape``: a Linear once per row it maps (per token of a
    sequence), an attention's four projections per token and its two products (Q·Kᵀ,
    weights·V)."""
    total = 0

    def conv(module: nn.Conv2d, args: Any, out: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        per_output = module.in_channels // module.groups * kh * kw
        total += out[0].numel() * per_output

    def linear(module: nn.Linear, args: Any, out: torch.Tensor) -> None:
        nonlocal total
        rows = out[0].numel() // module.out_features
        total += rows * module.in_features * module.out_features

    def attention(module: nn.MultiheadAttention, args: Any, out: Any) -> None:
        # torch computes the projections with F.linear, so no Linear hook sees them.
        nonlocal total
        tokens = args[0].shape[1] if module.batch_first else args[0].shape[0]
        channels = module.embed_dim
        total += 4 * tokens * channels * channels + 2 * tokens * tokens * channels

    def windows(module: nn.Module, args: Any, out: torch.Tensor) -> None:
        # Swin's: the projections per token (F.linear again), each token attending to the
        # window² tokens of its window.
        nonlocal total
        _, height, width, channels = args[0].shape
        tokens, area = height * width, module.window_size[0] * module.window_size[1]
        total += 4 * tokens * channels * channels + 2 * tokens * area * channels

    hooks = []
    for module in model.modules():
        if type(module).__name__ == "ShiftedWindowAttention":
            hooks.append(module.register_forward_hook(windows))
        elif isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(conv))
        elif isinstance(module, nn.MultiheadAttention):
            hooks.append(module.register_forward_hook(attention))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear))
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    for hook in hooks:
        hook.remove()
    return total


def _compact(text: str) -> str:
    """Shapes on one line, and each parameter's [name, shape] too: one parameter a line."""
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + " ".join(m[1].split()) + "]", text)
    return re.sub(r'\[\s*("[^"]*"),\s*(\[[^\[\]\n]*\])\s*\]', r"[\1, \2]", text)


def segmentation() -> dict[str, Any]:
    """Each SEGMENTATION entry's trainable parameters and parameter shapes in module order."""
    found = {}
    for entry, (name, aux) in SEGMENTATION.items():
        model = torchvision.models.get_model(
            name, weights=None, weights_backbone=None, num_classes=21, aux_loss=aux
        )
        found[entry] = {
            "params": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "shapes": _shapes(model),
        }
        print(entry, found[entry]["params"])
    return found


def main() -> int:
    torch.manual_seed(0)
    if sys.argv[1:] == ["segmentation"]:  # only that section, the rest of the file kept
        kept = json.loads(OUT.read_text(encoding="utf-8"))
        kept["segmentation"] = segmentation()
        OUT.write_text(_compact(json.dumps(kept, indent=1)) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
        return 0
    models: dict[str, nn.Module] = {}
    result: dict[str, Any] = {
        "generated_by": "scripts/torchvision_reference.py",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "input": [3, 224, 224],
        "models": {},
        "blocks": {},
        "segmentation": segmentation(),
    }
    for name in MODELS:
        kwargs = KWARGS.get(name, {})
        model = torchvision.models.get_model(name, weights=None, num_classes=1000, **kwargs)
        models[name] = model.eval()
        meta = torchvision.models.get_model_weights(name).DEFAULT.meta
        shape = INPUTS.get(name, result["input"])
        entry = result["models"][name] = {
            **({"input": shape} if name in INPUTS else {}),
            "params": _trainable(model),
            "macs": _macs(model, shape),
            "published_params": meta["num_params"],
            "published_gmacs": meta["_ops"],
            "shapes": _shapes(model),
        }
        if kwargs.get("aux_logits") is False:
            aux = {**kwargs, "aux_logits": True}
            with_aux = torchvision.models.get_model(name, weights=None, num_classes=1000, **aux)
            models[name + "+aux"] = with_aux.eval()
            entry["params_with_aux"] = _trainable(with_aux)
        print(name, result["models"][name]["params"], result["models"][name]["macs"])
    for name, (model_name, path, shape) in BLOCKS.items():
        block = models[model_name].get_submodule(path)
        with torch.no_grad():
            out = block(torch.zeros(1, *shape))
        if isinstance(out, list):  # not expected; keeps the record honest if it happens
            raise TypeError(f"{name}: block returns a list")
        result["blocks"][name] = {
            "model": model_name,
            "path": path,
            "input": shape,
            "output": list(out.shape[1:]),
            "params": _trainable(block),
            "shapes": _shapes(block),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(_compact(json.dumps(result, indent=1)) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
