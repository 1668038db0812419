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
- on a CPU (``device="cpu"``, the default), each 2-D convolution becomes one
  :class:`FusedConv2d` with what follows it fused in: its ReLU, or the residual add and the
  ReLU after it, as one oneDNN kernel (``torch.ops.mkldnn._convolution_pointwise``, what
  inductor emits on CPUs) on a weight packed once in oneDNN's layout, or, for a small 1×1
  layer, as one matrix product; each batch norm left becomes a :class:`FusedBatchNorm2d`
  (one multiply-add, with its ReLU): a batch of one spends a third of its time outside the
  convolutions otherwise. Such a module runs eagerly on the CPU only; exports,
  torch.compile (inductor makes the same fusions itself) and other devices take the portable
  form (``portable=True``, or ``device`` other than cpu);
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
    "FusedBatchNorm2d",
    "FusedConv2d",
    "channels_last_for",
    "cpu_fusion_available",
    "fuse_cpu_convolutions",
    "fuse_cpu_norms",
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
        fuse_cpu_norms(module, code)
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
    ReLU after it), fused in: a :class:`FusedConv2d` in the conv's place, holding the same
    weight and bias (same ``state_dict``)."""
    for node in list(graph.nodes):
        conv = _module(root, node)
        if type(conv) is nn.Conv2d and conv.padding_mode == "zeros":
            if not isinstance(conv.padding, str):  # jumpdsl writes explicit padding
                _fuse_one(root, graph, node, conv)


def _fuse_one(root: fx.GraphModule, graph: fx.Graph, node: fx.Node, conv: nn.Conv2d) -> None:
    chain = [node]  # what the fused call replaces, first to last
    inputs: tuple[Any, ...] = (node.args[0],)
    relu = _only_user(node, _RELUS)
    add = None if relu is not None else _only_user(node, (operator.add,))
    if relu is not None:
        chain.append(relu)
    elif add is not None:
        inputs += (add.args[1] if add.args[0] is node else add.args[0],)
        chain.append(add)
        after = _only_user(add, _RELUS)
        if after is not None:
            chain.append(after)
    relu_after = len(chain) > 1 and chain[-1].target in _RELUS
    _replace(root, str(node.target), FusedConv2d(conv, add=add is not None, relu=relu_after))
    with graph.inserting_before(chain[-1]):
        fused = graph.call_module(str(node.target), inputs)
    chain[-1].replace_all_uses_with(fused)
    for done in reversed(chain):
        graph.erase_node(done)


# Where a 1×1 convolution is a matrix product rather than a oneDNN call: at most 2**22
# multiply-accumulates per call (JumpNet's 1×1 layers at batch 1 are 2**20; ResNet-50's
# smallest, 64 → 64 at 56×56, is 12.8 million and runs faster in oneDNN).
SMALL_MATMUL_MACS = 2**22


class FusedConv2d(nn.Module):
    """A 2-D convolution, with an optional residual ``add`` and ``relu`` after it, as one
    oneDNN call (CPU only) on a copy of the weight packed in oneDNN's own blocked layout.

    The packed copy is made at the first call (from that input's size) and made again whenever
    the weight changes (``load_state_dict``, ``.to()``), so the parameters stay the truth: the
    ``state_dict`` is the conv's, and copies and pickles leave the packed copy behind. At a
    batch of one, packing the weight once saves a quarter of a convolution's time.
    """

    def __init__(self, conv: nn.Conv2d, *, add: bool = False, relu: bool = False) -> None:
        super().__init__()
        self.weight = conv.weight
        self.bias = conv.bias
        self.padding = list(cast(tuple[int, int], conv.padding))
        self.stride = list(conv.stride)
        self.dilation = list(conv.dilation)
        self.groups = conv.groups
        self.add = add
        self.relu = relu
        # A 1×1 convolution over every position is one matrix product on channels-last data:
        # for a small layer (a batch of one), MKL's, without oneDNN's setup cost per call of
        # about 20 µs, is faster; for a large one oneDNN's packed kernel is (measured).
        pointwise = (
            tuple(conv.kernel_size) == (1, 1)
            and self.padding == [0, 0]
            and self.dilation == [1, 1]
            and self.groups == 1
        )
        self.macs_per_position = conv.in_channels * conv.out_channels if pointwise else 0
        self._packed: tuple[tuple[int, int, torch.dtype], torch.Tensor] | None = None

    def extra_repr(self) -> str:
        fused = " + ".join(["add"] * self.add + ["relu"] * self.relu) or "none"
        return f"{tuple(self.weight.shape)}, stride={tuple(self.stride)}, fused={fused}"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_packed"] = None  # oneDNN's opaque tensors can be neither copied nor pickled
        return state

    def packed_weight(self, x: torch.Tensor) -> torch.Tensor:
        """The weight in oneDNN's layout for inputs like ``x``, packed again if it changed."""
        weight = self.weight
        key = (weight._version, weight.data_ptr(), weight.dtype)
        if self._packed is None or self._packed[0] != key:
            packed = cast(Any, torch._C._nn).mkldnn_reorder_conv2d_weight(
                weight.detach().to_mkldnn(),
                self.padding,
                self.stride,
                self.dilation,
                self.groups,
                list(x.shape),
            )
            self._packed = (key, packed)
        return self._packed[1]

    def forward(self, x: torch.Tensor, other: torch.Tensor | None = None) -> torch.Tensor:
        if self.macs_per_position and self._small(x):
            return self._matmul(x, other)
        weight = self.packed_weight(x)
        geometry = (self.padding, self.stride, self.dilation, self.groups)
        pointwise = torch.ops.mkldnn._convolution_pointwise
        unary = "relu" if self.relu else None
        if other is not None:
            return pointwise.binary(
                x, other, weight, self.bias, *geometry, "add", 1.0, unary, [], None
            )
        return pointwise.default(x, weight, self.bias, *geometry, unary or "none", [], "")

    def _small(self, x: torch.Tensor) -> bool:
        positions = x.shape[0] * x.shape[2] * x.shape[3] // (self.stride[0] * self.stride[1])
        return positions * self.macs_per_position <= SMALL_MATMUL_MACS

    def _matmul(self, x: torch.Tensor, other: torch.Tensor | None) -> torch.Tensor:
        if self.stride != [1, 1]:
            x = x[:, :, :: self.stride[0], :: self.stride[1]]
        n, c, h, w = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(-1, c)  # a view when x is channels-last
        weight = self.weight.view(self.weight.shape[0], c).t()
        if self.bias is None:
            y = rows @ weight
        else:
            y = torch.addmm(self.bias, rows, weight)
        if other is not None:
            y.add_(other.permute(0, 2, 3, 1).reshape(y.shape))
        if self.relu:
            y.relu_()
        return y.view(n, h, w, -1).permute(0, 3, 1, 2)  # channels-last, as the conv's


def fuse_cpu_norms(root: fx.GraphModule, graph: fx.Graph) -> None:
    """Each batch norm left (one that no conv feeds alone) as a :class:`FusedBatchNorm2d`,
    with the ReLU that alone reads it."""
    for node in list(graph.nodes):
        norm = _module(root, node)
        if type(norm) is not nn.BatchNorm2d or not norm.track_running_stats:
            continue
        relu = _only_user(node, _RELUS)
        _replace(root, str(node.target), FusedBatchNorm2d(norm, relu=relu is not None))
        if relu is not None:
            relu.replace_all_uses_with(node)
            graph.erase_node(relu)


class FusedBatchNorm2d(nn.Module):
    """An eval-mode batch norm (and an optional ReLU after it) as one multiply-add per element
    with the per-channel scale and shift it amounts to: a third of ``batch_norm``'s time on a
    small map. Holds the norm's own parameters and statistics (same ``state_dict``); scale and
    shift are derived again whenever one of them changes."""

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, norm: nn.BatchNorm2d, *, relu: bool = False) -> None:
        super().__init__()
        self.weight = norm.weight
        self.bias = norm.bias
        self.register_buffer("running_mean", norm.running_mean)
        self.register_buffer("running_var", norm.running_var)
        self.register_buffer("num_batches_tracked", norm.num_batches_tracked)
        self.eps = norm.eps
        self.relu = relu
        self._affine: tuple[tuple[int, ...], torch.Tensor, torch.Tensor] | None = None

    def extra_repr(self) -> str:
        return f"{self.running_mean.shape[0]}, eps={self.eps}, relu={self.relu}"

    def scale_and_shift(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The per-channel ``(scale, shift)``, shaped to broadcast over N×C×H×W."""
        tensors = (self.weight, self.bias, self.running_mean, self.running_var)
        key = tuple(v for t in tensors if t is not None for v in (t._version, t.data_ptr()))
        if self._affine is None or self._affine[0] != key:
            with torch.no_grad():
                scale = torch.rsqrt(self.running_var + self.eps)
                if self.weight is not None:
                    scale = scale * self.weight
                shift = -self.running_mean * scale
                if self.bias is not None:
                    shift = shift + self.bias
            self._affine = (key, scale.view(1, -1, 1, 1), shift.view(1, -1, 1, 1))
        return self._affine[1], self._affine[2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale, shift = self.scale_and_shift()
        y = torch.addcmul(shift, x, scale)
        return torch.relu_(y) if self.relu else y
