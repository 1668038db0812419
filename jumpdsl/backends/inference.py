"""The inference form of a checked network: eval-only, and faster than the training form.

Made from the training form's ``GraphModule`` (:func:`jumpdsl.backends.torch_fx.build_module`)
by rewriting its fx graph, so it computes the same function in eval mode (within float
rounding) for any op the table builds:

- a batch norm whose input is a conv or dense layer read by nothing else is folded into that
  layer's weight and bias (``torch.nn.utils.fusion``); batch norms elsewhere stay (a
  pre-activation network's bn → relu → conv cannot fold across the ReLU);
- dropout is removed (it is the identity in eval mode);
- ReLU works in place wherever its input is fresh and private (after folding, conv → relu);
- with ``channels_last`` (the default for networks with 2-D convolutions), weights and the
  input are kept in channels-last layout, which oneDNN on CPUs and cuDNN's tensor cores run
  faster: the input is converted once, inside the module;
- on a CPU (``device="cpu"``, the default), each 2-D convolution becomes one oneDNN kernel
  with what follows it fused in: its ReLU, or the residual add and the ReLU after it
  (``torch.ops.mkldnn._convolution_pointwise``, what inductor emits on CPUs): a batch of one
  spends a third of its time outside the convolutions otherwise. Such a module runs eagerly
  on the CPU only; exports, torch.compile (inductor makes the same fusions itself) and other
  devices take the portable form (``portable=True``, or ``device`` other than cpu);
- parameters stop requiring gradients.

Module names stay the spec's scope paths (``learner.group1.block2.conv1``); a folded batch
norm's module is gone, its conv holds a bias.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any, cast

import torch
from torch import fx, nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from jumpdsl.backends.torch_fx import build_module, in_place
from jumpdsl.ir.graph import Graph
from jumpdsl.train.checkpoint import fit_weights

__all__ = [
    "channels_last_for",
    "cpu_fusion_available",
    "fuse_cpu_convolutions",
    "inference_module",
    "to_inference",
]

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout)


def inference_module(
    graph: Graph,
    *,
    seed: int | None = None,
    weights: Mapping[str, Any] | None = None,
    channels_last: bool | None = None,
    device: str | torch.device = "cpu",
    portable: bool = False,
) -> fx.GraphModule:
    """The inference form of the checked ``graph`` on ``device``: weights drawn from ``seed``
    as :func:`~jumpdsl.backends.torch_fx.build_module` draws them, or the training form's
    ``weights`` (a ``state_dict``, e.g. a checkpoint's) loaded before folding. ``portable``
    keeps to plain torch ops (for exports, and modules that will move between devices)."""
    module = build_module(graph, seed=seed)
    if weights is not None:
        fit_weights(module, weights)
    if channels_last is None:
        channels_last = channels_last_for(graph)
    module.to(device)
    cpu_kernels = not portable and torch.device(device).type == "cpu" and cpu_fusion_available()
    return to_inference(module, graph, channels_last=channels_last, cpu_kernels=cpu_kernels)


def channels_last_for(graph: Graph) -> bool | None:
    """The layout choice for a network: None (channels-last where it has 2-D convolutions) for
    N×C×H×W inputs, False for any other."""
    return None if len(graph.input_shape) == 3 else False


def cpu_fusion_available() -> bool:
    """Whether this torch has oneDNN's fused convolution (CPU builds with mkldnn do)."""
    return torch.backends.mkldnn.is_available() and hasattr(
        torch.ops.mkldnn, "_convolution_pointwise"
    )


def to_inference(
    module: fx.GraphModule,
    graph: Graph,
    *,
    channels_last: bool | None = None,
    cpu_kernels: bool = False,
) -> fx.GraphModule:
    """Rewrite a training-form module built from ``graph`` into its inference form, in place;
    returns it.

    ``channels_last=None`` chooses it when the network has 2-D convolutions; ``cpu_kernels``
    fuses each convolution with its ReLU or residual add into one oneDNN call (CPU only).
    """
    module.eval()
    code = module.graph
    _fold_norms(module, code)
    _drop_dropout(module, code)
    in_place(graph, code)
    if channels_last is None:
        channels_last = any(isinstance(m, nn.Conv2d) for m in module.modules())
    if channels_last:
        _channels_last(module, code)
    if cpu_kernels:
        fuse_cpu_convolutions(module, code)
    code.lint()
    module.delete_all_unused_submodules()
    module.recompile()
    module.requires_grad_(False)
    return module


def _module(root: nn.Module, node: object) -> nn.Module | None:
    if isinstance(node, fx.Node) and node.op == "call_module":
        return root.get_submodule(str(node.target))
    return None


def _fold_norms(root: fx.GraphModule, graph: fx.Graph) -> None:
    for node in list(graph.nodes):
        norm = _module(root, node)
        if not isinstance(norm, _NORMS) or not norm.track_running_stats:
            continue
        source = node.args[0]
        layer = _module(root, source)
        assert isinstance(source, fx.Node)
        if len(source.users) != 1:
            continue  # another reader needs the layer's own output
        if isinstance(layer, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
            fused: nn.Module = fuse_conv_bn_eval(layer, norm)
        elif isinstance(layer, nn.Linear) and isinstance(norm, nn.BatchNorm1d):
            fused = fuse_linear_bn_eval(layer, norm)
        else:
            continue
        _replace(root, str(source.target), fused)
        node.replace_all_uses_with(source)
        graph.erase_node(node)


def _replace(root: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    owner = root.get_submodule(parent) if parent else root
    setattr(owner, leaf, module)


def _drop_dropout(root: fx.GraphModule, graph: fx.Graph) -> None:
    for node in list(graph.nodes):
        if isinstance(_module(root, node), _DROPOUTS):
            node.replace_all_uses_with(node.args[0])  # type: ignore[arg-type]
            graph.erase_node(node)


def _not(node: fx.Node) -> Any:
    return lambda user: user is not node


def _channels_last(root: fx.GraphModule, graph: fx.Graph) -> None:
    root.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    for placeholder in [n for n in graph.nodes if n.op == "placeholder"]:
        with graph.inserting_after(placeholder):
            converted = graph.call_method(
                "contiguous", (placeholder,), {"memory_format": torch.channels_last}
            )
        placeholder.replace_all_uses_with(converted, delete_user_cb=_not(converted))


_RELUS = (torch.relu, torch.relu_)


def _only_user(node: fx.Node, targets: tuple[Any, ...]) -> fx.Node | None:
    """The one node reading ``node``, when it calls one of ``targets``."""
    if len(node.users) != 1:
        return None
    (user,) = node.users
    return user if user.op == "call_function" and user.target in targets else None


def fuse_cpu_convolutions(root: fx.GraphModule, graph: fx.Graph) -> None:
    """Each 2-D convolution as one oneDNN call with its ReLU, or its residual add (and the
    ReLU after it), fused in. The conv's weight and bias stay where they were (same
    ``state_dict``); the fused call reads them."""
    for node in list(graph.nodes):
        conv = _module(root, node)
        if isinstance(conv, nn.Conv2d) and conv.padding_mode == "zeros":
            if not isinstance(conv.padding, str):  # jumpdsl writes explicit padding
                _fuse_one(graph, node, conv)


def _fuse_one(graph: fx.Graph, node: fx.Node, conv: nn.Conv2d) -> None:
    pointwise = torch.ops.mkldnn._convolution_pointwise
    geometry = (list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups)
    with graph.inserting_before(node):
        weight = graph.get_attr(f"{node.target}.weight")
        bias = graph.get_attr(f"{node.target}.bias") if conv.bias is not None else None
    x = node.args[0]
    chain = [node]  # what the fused call replaces, first to last
    args: tuple[Any, ...]
    relu = _only_user(node, _RELUS)
    add = None if relu is not None else _only_user(node, (operator.add,))
    if relu is not None:
        chain.append(relu)
        call, args = pointwise.default, (x, weight, bias, *geometry, "relu", [], "")
    elif add is not None:
        other = add.args[1] if add.args[0] is node else add.args[0]
        chain.append(add)
        after = _only_user(add, _RELUS)
        if after is not None:
            chain.append(after)
        unary = None if after is None else "relu"
        call = pointwise.binary
        args = (x, other, weight, bias, *geometry, "add", 1.0, unary, [], None)
    else:
        call, args = pointwise.default, (x, weight, bias, *geometry, "none", [], "")
    with graph.inserting_before(chain[-1]):
        fused = graph.call_function(call, cast(Any, args))
    chain[-1].replace_all_uses_with(fused)
    for done in reversed(chain):
        graph.erase_node(done)
