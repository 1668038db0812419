"""The op entry (:class:`Op`): everything jumpdsl knows about one op, in one value.

Every stage reads only the entry: lowering its attributes, the shape pass its shape rule and
counts, the torch backend its builder, initialisation, in-place safety and weight decay, the
drawing and the summary its label, the tests its example. Nothing here imports torch: a
builder receives the backend's emitter (:class:`Emitter`), which carries ``torch``, ``nn`` and
``F``, and an example's reference receives the same three.

Shapes are tuples without the batch axis: ``(C, H, W)`` for feature maps, ``(F,)`` for vectors.

>>> relu = Op("relu", "max(x, 0)", same_shape, lambda em, xs, a, ins, out: xs[0])
>>> relu.shape([(8, 4, 4)], {}), relu.label({}), relu.params([(8, 4, 4)], (8, 4, 4), {})
((8, 4, 4), 'relu', 0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol

from jumpdsl.messages import Message

__all__ = [
    "REQUIRED",
    "Attr",
    "AttrError",
    "Attrs",
    "CountRule",
    "Emitter",
    "Example",
    "Op",
    "OpFailed",
    "Reference",
    "Shape",
    "ShapeError",
    "ShapeRule",
    "TorchBuilder",
    "format_shape",
    "same_shape",
    "with_aliases",
    "zero",
]

Shape = tuple[int, ...]
Attrs = Mapping[str, Any]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def format_shape(shape: Shape) -> str:
    """``(64, 16, 16)`` → ``'64×16×16'``.

    >>> format_shape((256,))
    '256'
    """
    return "×".join(str(d) for d in shape)


class ShapeError(Exception):
    """Raised by a shape rule; the shape pass turns it into a diagnostic at the node.

    ``message`` is a :class:`jumpdsl.messages.Message` (its code inside), ``fields`` fill its
    template, ``hint`` replaces the message's own hint when given.
    """

    def __init__(self, message: Message, hint: str | None = None, **fields: Any) -> None:
        super().__init__(message.code.code)
        self.message = message
        self.hint = hint
        self.fields = fields


class OpFailed(Exception):
    """A plugin op's builder or label raised: ``message`` and ``fields`` make its diagnostic,
    ``span`` is the statement of the node it was building, where known."""

    def __init__(self, message: Message, **fields: Any) -> None:
        super().__init__(message.text(fields))
        self.message = message
        self.fields = fields
        self.span: Any = None


class AttrError(Exception):
    """An argument of the wrong type or range; the message says what was expected."""

    def __init__(self, expected: str, got: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(f"expected {expected}, got {got}")
        self.expected = expected
        self.got = got
        self.choices = choices  # the words accepted, when the attribute takes words


@dataclass(frozen=True)
class Attr:
    """One attribute of an op: its name, the checker of its values (returns the value to keep,
    raises :class:`AttrError`), the default (or :data:`REQUIRED`) and its docs. ``default_doc``
    shows a default that is not a value (``stride``'s: the kernel)."""

    name: str
    coerce: Callable[[Any], Any]
    default: Any = REQUIRED
    doc: str = ""
    type_doc: str = ""
    default_doc: str = ""


class Emitter(Protocol):
    """What a torch builder may use; :mod:`jumpdsl.backends.torch_fx` implements it.

    ``module`` installs an ``nn.Module`` at the node's path (``learner.block1.conv1``) and calls
    it; ``parameter`` and ``buffer`` give the node tensors of its own, kept at the same path (so
    ``state_dict`` stays in source order); ``make`` builds a module class named by its import
    path (``"package.module:Class"``), which a standalone export imports by that name.
    """

    @property
    def torch(self) -> Any: ...

    @property
    def nn(self) -> Any: ...

    @property
    def F(self) -> Any: ...

    def module(self, module: Any, *inputs: Any) -> Any: ...

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...

    def method(self, name: str, *args: Any) -> Any: ...

    def parameter(self, name: str, shape: Shape) -> Any: ...

    def buffer(self, name: str, shape: Shape, *, persistent: bool = True) -> Any: ...

    def make(self, path: str, *args: Any, **kwargs: Any) -> Any: ...


ShapeRule = Callable[[list[Shape], Attrs], Shape]
CountRule = Callable[[list[Shape], Shape, Attrs], int]
TorchBuilder = Callable[[Emitter, list[Any], Attrs, list[Shape], Shape], Any]
# (torch kit with .torch, .nn, .F; the example's input; the op node's tensors by local name)
Reference = Callable[[Any, Any, Mapping[str, Any]], Any]


def zero(ins: list[Shape], out: Shape, a: Attrs) -> int:
    """The count of an op without parameters or multiply-accumulates."""
    return 0


def same_shape(ins: list[Shape], a: Attrs) -> Shape:
    """The shape rule of an element-wise op: the output has the input's shape."""
    return ins[0]


@dataclass(frozen=True)
class Example:
    """A small use of the op, and what it computes in plain torch.

    ``body`` is the statements of a ``stem`` (``conv(8, 3x3, stride=2)``; a merge's example
    holds a ``branch``), run on a batch of ``input``-shaped data. ``reference(t, x, w)``
    computes the same with ``t.torch``/``t.F`` from the input ``x`` and ``w``, the tensors of
    the first node of this op by their local names (``weight``, ``running_mean``). ``train``
    runs both in training mode with the same random seed (dropout)."""

    body: str
    input: Shape
    reference: Reference
    train: bool = False


def _name_label(name: str) -> Callable[[Attrs], str]:
    return lambda a: name


def _unset_label(a: Attrs) -> str:
    raise AssertionError("replaced by the op's name when the entry is made")


@dataclass(frozen=True)
class Op:
    """Everything about one op.

    - ``attrs``: its attributes, in positional order; ``merge``: it takes several inputs
      (shortcuts, branches) instead of one;
    - ``shape``: the shape rule (raises :class:`ShapeError`), ``shape_doc`` it in words;
    - ``params``, ``macs``: trainable parameters and multiply-accumulates (1 MAC = 2 FLOPs);
    - ``build``: the torch builder ``build(em, xs, attrs, in_shapes, out_shape)`` → fx value;
    - ``inits``: attribute → the tensor of the node it initialises (``{"init": "weight"}``);
      the backend applies them after the builder, in this order;
    - ``decay``: the tensors (local names) that get weight decay in training;
    - ``fresh``: its output is a new tensor that its backward does not need, so an in-place op
      after it may overwrite it; ``in_place``: the name of the ``torch`` function that computes
      this op in place, used where its input is fresh and read by nothing else (``relu_``);
    - ``probabilities``: its output is a distribution, which training refuses at the end of a
      network (the loss wants logits);
    - ``branch_end``: it acts on a residual branch as a whole (stochastic depth), so its output
      should go straight into a merge; elsewhere the check warns (JD324);
    - ``label``: the drawing's and summary's text for a node (default: the name);
    - ``usage``: a call with its required arguments, for hints (``conv(64, 3x3)``);
    - ``aliases``: what PyTorch and Keras call it, in lower case without ``_``
      (``batchnorm2d``), so an unknown ``BatchNorm2d`` is answered with this op (its own name
      in other capitals, ``ReLU``, needs no alias);
    - ``examples``: uses and their plain-torch references (:class:`Example`), which the tests
      build and run: one for each variant of the builder.
    """

    name: str
    doc: str
    shape: ShapeRule
    build: TorchBuilder
    attrs: tuple[Attr, ...] = ()
    shape_doc: str = ""
    params: CountRule = zero
    macs: CountRule = zero
    merge: bool = False
    inits: Mapping[str, str] = field(default_factory=dict)
    decay: tuple[str, ...] = ()
    fresh: bool = False
    in_place: str | None = None
    probabilities: bool = False
    branch_end: bool = False
    label: Callable[[Attrs], str] = _unset_label
    usage: str = ""
    aliases: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    attr_index: Mapping[str, Attr] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attr_index", MappingProxyType({a.name: a for a in self.attrs}))
        object.__setattr__(self, "inits", MappingProxyType(dict(self.inits)))
        if self.label is _unset_label:
            object.__setattr__(self, "label", _name_label(self.name))

    def defaults(self) -> dict[str, Any]:
        """The attributes' defaults (:data:`REQUIRED` for those without one)."""
        return {a.name: a.default for a in self.attrs}


def with_aliases(ops: tuple[Op, ...], **aliases: tuple[str, ...]) -> tuple[Op, ...]:
    """``ops`` with the names other frameworks give some of them (see ``Op.aliases``).

    >>> relu = Op("relu", "max(x, 0)", lambda ins, a: ins[0], lambda em, xs, a, ins, out: xs[0])
    >>> with_aliases((relu,), relu=("rectifier",))[0].aliases
    ('rectifier',)
    """
    unknown = set(aliases) - {op.name for op in ops}
    if unknown:
        raise ValueError(f"aliases for ops that are not here: {sorted(unknown)}")
    return tuple(replace(op, aliases=aliases[op.name]) if op.name in aliases else op for op in ops)
