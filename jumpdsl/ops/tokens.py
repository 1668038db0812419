"""Token sequences: what a vision transformer works on.

A token sequence is the rank-2 shape N×C: N tokens of C channels each, channels last as in
``torch.nn.MultiheadAttention(batch_first=True)`` (a batch is B×N×C). ``to_tokens`` makes one
from a C×H×W map (the H·W positions in row-major order, as torchvision's ViT flattens them),
``to_map`` makes the map again; ``dense``, ``layernorm``, ``layerscale``, the activations,
``dropout`` and ``add`` act on each token's channels. ``class_token`` prepends a learnable
token, ``position_embedding`` adds a learnable N×C tensor, ``attention`` is multi-head
self-attention with torch's own parameters, ``take_token`` selects one token (the class
token, for the head) and ``patch_merge`` is Swin's 2×2 neighbourhood merge.
"""

from __future__ import annotations

import math
import operator
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ir.values import Init, show_value
from jumpdsl.ops.attrs import boolean, optional, positive_int, probability
from jumpdsl.ops.core import (
    Attr,
    AttrError,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    ShapeError,
    format_shape,
    with_aliases,
)
from jumpdsl.ops.init import init_checker
from jumpdsl.ops.rules import need_map, need_tokens

__all__ = ["OPS"]


def _refused(op: str, shape: Shape, reason: str, hint: str | None = None) -> ShapeError:
    return ShapeError(M.SHAPE_REFUSED, hint, op=op, shape=format_shape(shape), reason=reason)


def _side(n: int) -> int | None:
    """The side of a square grid of ``n`` positions, None when ``n`` is not a square."""
    side = math.isqrt(n)
    return side if side * side == n else None


# ---------------------------------------------------------------- maps ↔ tokens


def _to_tokens_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("to_tokens", ins[0])
    c, h, w = ins[0]
    return (h * w, c)


def _to_tokens(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # B×C×H×W → B×C×(H·W) → B×(H·W)×C: torchvision's ViT reshapes and permutes the same way.
    return em.method("permute", em.method("flatten", xs[0], 2), 0, 2, 1)


def _grid(op: str, shape: Shape, height: int | None) -> tuple[int, int]:
    """(H, W) of the grid N tokens stand for: ``height`` rows, or a square."""
    n = shape[0]
    if height is None:
        side = _side(n)
        if side is None:
            raise _refused(op, shape, f"{n} tokens are not a square grid", M.HINT_TOKEN_GRID)
        return side, side
    if n % height:
        raise _refused(op, shape, f"{n} tokens do not split into {height} rows", M.HINT_TOKEN_GRID)
    return height, n // height


def _to_map_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("to_map", ins[0])
    height, width = _grid("to_map", ins[0], a["height"])
    return (ins[0][1], height, width)


def _to_map(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    channels, height, width = out
    moved = em.method("transpose", xs[0], 1, 2)
    return em.method("reshape", moved, -1, channels, height, width)


# ---------------------------------------------------------------- learned tokens


def _class_token(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # 1×1×C, as torchvision keeps it, so its class_token copies one to one; each sample of the
    # batch gets the same token first.
    token = em.parameter("token", (1, 1, ins[0][1]))
    batch = em.method("size", xs[0], 0)
    return em.call(em.torch.cat, [em.method("expand", token, batch, -1, -1), xs[0]], 1)


def _position_embedding(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # 1×N×C, as torchvision's pos_embedding; added after the input, as there.
    embedding = em.parameter("embedding", (1, *ins[0]))
    return em.call(operator.add, xs[0], embedding)


def _take_token_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("take_token", ins[0])
    if a["index"] >= ins[0][0]:
        reason = f"there is no token {a['index']} among {ins[0][0]} (they count from 0)"
        raise _refused("take_token", ins[0], reason)
    return (ins[0][1],)


def _take_token(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("select", xs[0], 1, a["index"])


def _index(value: Any) -> int:
    """A token's index: 0 or a positive integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    try:
        return positive_int(value)
    except AttrError:
        raise AttrError("a whole number from 0", show_value(value)) from None


def _class_token_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("class_token", ins[0])
    return (ins[0][0] + 1, ins[0][1])


def _tokens_same(op: str) -> Any:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        need_tokens(op, ins[0])
        return ins[0]

    return rule


# ---------------------------------------------------------------- attention


def _attention_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("attention", ins[0])
    channels, heads = ins[0][1], a["heads"]
    if channels % heads:
        reason = f"{channels} channels do not split into {heads} heads"
        raise _refused("attention", ins[0], reason, M.HINT_HEADS_DIVIDE)
    return ins[0]


def _attention_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    channels = ins[0][1]
    # in_proj: 3C×C (+ 3C), out_proj: C×C (+ C)
    return 4 * channels * channels + (4 * channels if a["bias"] else 0)


def _attention_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    tokens, channels = ins[0]
    projections = 4 * tokens * channels * channels  # q, k, v and the output, per token
    return projections + 2 * tokens * tokens * channels  # Q·Kᵀ and the weights times V


def _attention(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # torch's own module, so the parameters are in_proj_weight, in_proj_bias and out_proj as
    # in torchvision's ViT; called as it calls it: query = key = value, no weights returned.
    channels = ins[0][1]
    # Made by its import path: the module keeps no attribute for bias, so the standalone
    # export writes the call as made.
    attention = em.make(
        "torch.nn:MultiheadAttention",
        channels,
        a["heads"],
        dropout=a["dropout"],
        bias=a["bias"],
        batch_first=True,
    )
    both = em.module(attention, xs[0], xs[0], xs[0], None, False)
    return em.call(operator.getitem, both, 0)


# ---------------------------------------------------------------- window attention


def _window_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("window_attention", ins[0])
    n, channels = ins[0]
    side, window = _side(n), a["window"]
    if side is None:
        reason = f"{n} tokens are not a square grid"
        raise _refused("window_attention", ins[0], reason, M.HINT_WINDOW_GRID)
    if side % window:
        reason = f"the {side}×{side} grid does not split into {window}×{window} windows"
        raise _refused("window_attention", ins[0], reason, M.HINT_WINDOW_GRID)
    if channels % a["heads"]:
        reason = f"{channels} channels do not split into {a['heads']} heads"
        raise _refused("window_attention", ins[0], reason, M.HINT_HEADS_DIVIDE)
    if a["shift"] >= window:
        reason = f"a shift of {a['shift']} is not less than the window, {window}"
        raise _refused("window_attention", ins[0], reason, M.HINT_WINDOW_SHIFT)
    return ins[0]


def _window_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    channels = ins[0][1]
    table = (2 * a["window"] - 1) ** 2 * a["heads"]  # a bias per relative offset and head
    return table + 4 * channels * channels + 4 * channels


def _window_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    tokens, channels = ins[0]
    # the projections per token; each token attends to the w² of its window
    return 4 * tokens * channels * channels + 2 * tokens * a["window"] ** 2 * channels


def _window_attention(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    n, channels = ins[0]
    module = em.make(
        "jumpdsl.backends.torch_windows:WindowAttention",
        channels,
        a["heads"],
        a["window"],
        a["shift"],
        math.isqrt(n),
        attention_dropout=a["attention_dropout"],
        dropout=a["dropout"],
    )
    return em.module(module, xs[0])


def _shift(value: Any) -> int:
    return _index(value)


# ---------------------------------------------------------------- patch merging


def _patch_merge_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_tokens("patch_merge", ins[0])
    n, channels = ins[0]
    side = _side(n)
    if side is None or side % 2:
        reason = f"{n} tokens are not a square grid of even side"
        raise _refused("patch_merge", ins[0], reason, M.HINT_PATCH_GRID)
    return (n // 4, 4 * channels)


def _patch_merge(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # Row 2i + r, column 2j + s of the grid; torchvision's Swin joins the four (r, s) in the
    # order (0, 0), (1, 0), (0, 1), (1, 1): s the outer, r the inner, then the channels.
    n, channels = ins[0]
    half = math.isqrt(n) // 2
    split = em.method("reshape", xs[0], -1, half, 2, half, 2, channels)
    moved = em.method("permute", split, 0, 1, 3, 4, 2, 5)
    return em.method("reshape", moved, -1, half * half, 4 * channels)


# ---------------------------------------------------------------- references


def _to_tokens_reference(t: Any, x: Any, w: Any) -> Any:
    h, wd = x.shape[2:]
    return t.torch.stack([x[:, :, i, j] for i in range(h) for j in range(wd)], 1)


def _to_map_reference(t: Any, x: Any, w: Any) -> Any:
    # 6 tokens as 2 rows of 3: token 3·i + j is position (i, j).
    rows = [t.torch.stack([x[:, 3 * i + j] for j in range(3)], -1) for i in range(2)]
    return t.torch.stack(rows, -2)


def _class_token_reference(t: Any, x: Any, w: Any) -> Any:
    return t.torch.cat([w["token"].expand(len(x), 1, -1), x], 1)


def _attention_reference(t: Any, x: Any, w: Any, heads: int = 2) -> Any:
    # Vaswani et al.: per head, softmax(Q·Kᵀ/√d)·V, heads joined, then the output projection;
    # in double precision, so that the reference is the exact value (the logits are large).
    x, w = x.double(), {k: None if v is None else v.double() for k, v in w.items()}
    b, n, c = x.shape
    d = c // heads
    q, k, v = t.F.linear(x, w["in_proj_weight"], w["in_proj_bias"]).chunk(3, -1)
    split = [y.reshape(b, n, heads, d).transpose(1, 2) for y in (q, k, v)]
    scores = split[0] @ split[1].transpose(-1, -2) / math.sqrt(d)
    mixed = (scores.softmax(-1) @ split[2]).transpose(1, 2).reshape(b, n, c)
    return t.F.linear(mixed, w["out_proj.weight"], w["out_proj.bias"]).float()


def _attention_no_bias_reference(t: Any, x: Any, w: Any) -> Any:
    zeros = {"in_proj_bias": None, "out_proj.bias": None}
    return _attention_reference(t, x, {**w, **zeros}, heads=4)


def _patch_merge_reference(t: Any, x: Any, w: Any) -> Any:
    # torchvision's PatchMerging on the B×H×W×C grid.
    b, n, c = x.shape
    side = math.isqrt(n)
    grid = x.reshape(b, side, side, c)
    parts = [grid[:, r::2, s::2] for s, r in ((0, 0), (0, 1), (1, 0), (1, 1))]
    return t.torch.cat(parts, -1).reshape(b, n // 4, 4 * c)


def _window_reference(t: Any, x: Any, w: Any, window: int = 2, shift: int = 1) -> Any:
    # Swin (Liu et al. 2021, sec. 3.2), written out position by position in double precision:
    # each position of the rolled 4×4 grid attends to the positions of its 2×2 window that
    # were in the same region before the roll, with the table's bias for their offset.
    heads, side = 2, 4
    x = x.double()
    b, n, c = x.shape
    d = c // heads
    grid = t.torch.roll(x.view(b, side, side, c), (-shift, -shift), (1, 2))
    qkv = t.F.linear(grid, w["qkv.weight"].double(), w["qkv.bias"].double())
    q, k, v = (part.reshape(b, side, side, heads, d) for part in qkv.chunk(3, -1))
    table = w["relative_position_bias_table"].double()

    def region(r: int) -> int:
        return int(r >= side - window) + int(r >= side - shift)

    out = t.torch.zeros(b, side, side, heads, d, dtype=t.torch.float64)
    for i in range(side):
        for j in range(side):
            base_i, base_j = i - i % window, j - j % window
            others = [(base_i + p, base_j + r) for p in range(window) for r in range(window)]
            scores = []
            for oi, oj in others:
                offset = (i - oi + window - 1) * (2 * window - 1) + (j - oj + window - 1)
                same = (region(i), region(j)) == (region(oi), region(oj))
                logit = (q[:, i, j] * k[:, oi, oj]).sum(-1) / math.sqrt(d) + table[offset]
                scores.append(logit if same else logit - 100.0)
            weights = t.torch.stack(scores, -1).softmax(-1)  # b × heads × window²
            values = t.torch.stack([v[:, oi, oj] for oi, oj in others], -2)
            out[:, i, j] = (weights.unsqueeze(-1) * values).sum(-2)
    mixed = t.F.linear(
        out.reshape(b, side, side, c), w["proj.weight"].double(), w["proj.bias"].double()
    )
    return t.torch.roll(mixed, (shift, shift), (1, 2)).reshape(b, n, c).float()


def _window_unshifted_reference(t: Any, x: Any, w: Any) -> Any:
    return _window_reference(t, x, w, shift=0)


_EMBEDDING_INIT = Init("normal", (0.02,))

OPS: tuple[Op, ...] = (
    Op(
        "to_tokens",
        "A C×H×W map as H·W tokens of C channels, row by row (ViT's patches after conv_proj).",
        _to_tokens_shape,
        _to_tokens,
        shape_doc="C×H×W → (H·W)×C",
        label=lambda a: "to tokens",
        examples=(Example("to_tokens", (3, 2, 4), _to_tokens_reference),),
    ),
    Op(
        "to_map",
        "N×C tokens as a C×H×W map again: H = height rows (a square grid by default).",
        _to_map_shape,
        _to_map,
        (
            Attr(
                "height",
                optional(positive_int),
                None,
                "rows of the grid (none: a square)",
                "int or none",
            ),
        ),
        shape_doc="N×C → C×H×W, H·W = N (H = height, or √N)",
        label=lambda a: "to map",
        examples=(Example("to_map(2)", (6, 4), _to_map_reference),),
    ),
    Op(
        "class_token",
        "Prepends a learnable token (ViT's class token, torchvision's class_token) to each "
        "sequence: N → N + 1 tokens.",
        _class_token_shape,
        _class_token,
        (
            Attr(
                "init",
                init_checker(vector=True),
                Init("zeros"),
                "the token's initialisation: a number, or a scheme",
                "number or a scheme",
            ),
        ),
        shape_doc="N×C → (N+1)×C",
        params=lambda ins, out, a: ins[0][1],
        inits={"init": "token"},
        label=lambda a: "class token",
        examples=(Example("class_token(init=normal(1))", (3, 4), _class_token_reference),),
    ),
    Op(
        "position_embedding",
        "Adds a learned N×C tensor, one vector per position (ViT's pos_embedding; "
        "normal(0.02) as torchvision draws it).",
        _tokens_same("position_embedding"),
        _position_embedding,
        (
            Attr(
                "init",
                init_checker(vector=True),
                _EMBEDDING_INIT,
                "the embedding's initialisation: a number, or a scheme",
                "number or a scheme",
            ),
        ),
        shape_doc="N×C → same",
        params=lambda ins, out, a: ins[0][0] * ins[0][1],
        inits={"init": "embedding"},
        label=lambda a: "position embedding",
        examples=(Example("position_embedding", (5, 4), lambda t, x, w: x + w["embedding"]),),
    ),
    Op(
        "take_token",
        "One token's channels as a vector (token 0: ViT's class token, for the head).",
        _take_token_shape,
        _take_token,
        (Attr("index", _index, 0, "which token, from 0", "int"),),
        shape_doc="N×C → C",
        label=lambda a: f"token {a['index']}",
        examples=(
            Example("take_token", (3, 4), lambda t, x, w: x[:, 0]),
            Example("take_token(2)", (3, 4), lambda t, x, w: x[:, 2]),
        ),
    ),
    Op(
        "attention",
        "Multi-head self-attention (Vaswani et al. 2017) over the tokens: PyTorch's "
        "MultiheadAttention, query = key = value; dropout on the attention weights.",
        _attention_shape,
        _attention,
        (
            Attr("heads", positive_int, doc="attention heads (must divide C)", type_doc="int"),
            Attr("dropout", probability, 0.0, "dropout on the attention weights", "float"),
            Attr("bias", boolean, True, "biases on the projections", "bool"),
        ),
        shape_doc="N×C → same (C divisible by heads)",
        params=_attention_params,
        macs=_attention_macs,
        decay=("in_proj_weight", "out_proj.weight"),
        fresh=True,
        label=lambda a: f"attention, {a['heads']} heads",
        usage="attention(8)",
        examples=(
            Example("attention(2)", (5, 8), _attention_reference),
            Example("attention(4, bias=false)", (3, 8), _attention_no_bias_reference),
        ),
    ),
    Op(
        "window_attention",
        "Swin's (shifted) window multi-head self-attention (Liu et al. 2021) on a square token "
        "grid: attention inside each window×window window, a learned bias per relative "
        "position; shift > 0 rolls the grid first (torchvision's ShiftedWindowAttention).",
        _window_shape,
        _window_attention,
        (
            Attr("heads", positive_int, doc="attention heads (must divide C)", type_doc="int"),
            Attr("window", positive_int, 7, "the windows' side, in tokens", "int"),
            Attr("shift", _shift, 0, "roll the grid by this before (0: no shift)", "int"),
            Attr("dropout", probability, 0.0, "dropout on the output", "float"),
            Attr("attention_dropout", probability, 0.0, "dropout on the weights", "float"),
        ),
        shape_doc="N×C → same (N = side², side divisible by window; C by heads)",
        params=_window_params,
        macs=_window_macs,
        decay=("qkv.weight", "proj.weight"),
        fresh=True,
        label=lambda a: (
            f"window attention {a['window']}×{a['window']}, {a['heads']} heads"
            + (f", shift {a['shift']}" if a["shift"] else "")
        ),
        usage="window_attention(3)",
        examples=(
            Example("window_attention(2, 2, 1)", (16, 4), _window_reference),
            Example("window_attention(2, 2)", (16, 4), _window_unshifted_reference),
        ),
    ),
    Op(
        "patch_merge",
        "Swin's patch merging: each 2×2 neighbourhood of a square token grid as one token of "
        "4C channels, in torchvision's order (follow it with layernorm and dense).",
        _patch_merge_shape,
        _patch_merge,
        shape_doc="N×C → (N/4)×4C (a square grid of even side)",
        label=lambda a: "patch merge 2×2",
        examples=(Example("patch_merge", (16, 3), _patch_merge_reference),),
    ),
)

# What PyTorch and others call them, for the hint at an unknown name.
OPS = with_aliases(
    OPS,
    attention=("multiheadattention", "mha", "selfattention"),
    position_embedding=("posembedding", "positionalembedding", "posembed"),
    class_token=("clstoken", "cls"),
    patch_merge=("patchmerging",),
    window_attention=("shiftedwindowattention", "windowattention", "swinattention"),
)
