"""Every message jumpdsl shows about a spec: the second tier of the registry, after the codes
(:mod:`jumpdsl.errorcodes`). One constant per distinct message, a builder where the words
depend on the case; call sites pass only the fields. Hints and notes are here too.

A :class:`Message` is a code and a template; its ``hint`` is the fix when that is always the
same. Fields left out of a template read as nothing (an optional ``where``).

>>> UNKNOWN_NAME.text({"what": "op", "name": "cnov"})
"unknown op 'cnov'"
>>> did_you_mean("cnov", ["conv", "bn", "relu"])
"did you mean 'conv'?"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jumpdsl import errorcodes as C
from jumpdsl.errorcodes import ErrorCode

__all__ = ["DidYouMean", "Message", "did_you_mean"]


class _Fields(dict[str, Any]):
    """Template fields; an optional one left out (such as ``where``) reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Message:
    """One message: its code, the template of its text and, when fixed, of its hint."""

    code: ErrorCode
    template: str
    hint: str | None = None

    def text(self, fields: dict[str, Any]) -> str:
        return self.template.format_map(_Fields(fields))

    def hint_text(self, fields: dict[str, Any]) -> str | None:
        return None if self.hint is None else self.hint.format_map(_Fields(fields))


class DidYouMean(str):
    """A 'did you mean' hint that keeps what it was made from: the ``word`` as written and the
    ``names`` that could replace it (an editor's quick fix reads these, not the words).

    >>> hint = DidYouMean.of("cnov", ["conv"])
    >>> hint, hint.word, hint.names
    ("did you mean 'conv'?", 'cnov', ('conv',))
    """

    word: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, word: str, names: Iterable[str], why: str = "") -> DidYouMean:
        close = tuple(names)
        text = "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        hint = cls(f"{text} ({why})" if why else text)
        hint.word, hint.names = word, close
        return hint


def framework_name(name: str, op: str) -> DidYouMean:
    """The hint for another framework's name of an op (``BatchNorm2d`` → ``bn``; the ops'
    ``aliases``).

    >>> framework_name("BatchNorm2d", "bn")
    "did you mean 'bn'? (.jnet calls BatchNorm2d 'bn'; 'jumpdsl ops bn' shows its attributes)"
    """
    why = f".jnet calls {name} '{op}'; 'jumpdsl ops {op}' shows its attributes"
    return DidYouMean.of(name, [op], why=why)


def did_you_mean(
    name: str, candidates: Iterable[str], cutoff: float = 0.6, n: int = 3
) -> DidYouMean | None:
    """The 'did you mean' hint for a misspelt name, or None when nothing is close (at least
    ``cutoff`` alike, difflib's ratio); the ``n`` closest."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=n, cutoff=cutoff)
    return DidYouMean.of(name, close) if close else None


# ---------------------------------------------------------------- syntax and files

UNEXPECTED_TOKEN = Message(C.UNEXPECTED_TOKEN, "unexpected {found}; expected {expected}")
UNEXPECTED_CHARACTER = Message(C.UNEXPECTED_CHARACTER, "unexpected character {char}")
UNEXPECTED_EOF = Message(
    C.UNEXPECTED_EOF,
    "the file ends too early; expected {expected}",
    "check that every '{{', '(' and '[' is closed",
)
NOT_UTF8 = Message(C.NOT_UTF8, "byte 0x{byte} is not valid UTF-8; save the file as UTF-8")
EMPTY_FILE = Message(
    C.EMPTY_FILE,
    "the file is empty",
    "write a network, e.g. 'network Net {{ input [3, 32, 32] ... }}'",
)
TOO_DEEP = Message(
    C.TOO_DEEP,
    "nesting deeper than {limit} levels",
    "split the expression or the nesting with 'let' or templates",
)
FILE_TOO_LARGE = Message(
    C.FILE_TOO_LARGE,
    "the file is {size} bytes, over the limit of {limit} bytes",
    "split the spec into files joined by 'use'",
)
CANNOT_READ = Message(C.CANNOT_READ, "cannot read {path}: {reason}")


def not_a_zoo_model(name: str, models: Sequence[str]) -> str:
    """The hint for a bare name that is neither a file nor a zoo model (``resnet51``)."""
    close = did_you_mean(name, models)
    if close is not None:
        return f"{close} (a zoo model; 'jumpdsl zoo' lists them)"
    return f"a name without a path is a zoo model's: one of {', '.join(models)}"


MISSING_BRACKET = Message(
    C.MISSING_BRACKET,
    "missing {closer}: the {opener} at line {line} is not closed",
    "add {closer} here",
)
HINT_STRING_ON_ONE_LINE = "a string ends on the line it starts, with the same quote"
HINT_MISSING_COMMA = "is a ',' missing before it?"
NOTE_OPENED_HERE = "opened here"

# ---------------------------------------------------------------- files brought in by `use`

CANNOT_READ_USED = Message(
    C.BAD_IMPORT,
    "cannot read {path}: {reason}",
    "a 'use' path is relative to the spec's folder, then to each --use-path DIR",
)
IMPORT_CYCLE = Message(
    C.BAD_IMPORT, "import cycle: {chain}", "move the shared templates to a third file"
)
NO_NETWORK = Message(C.NO_NETWORK, "{path} defines no network")

# ---------------------------------------------------------------- Hostile input: files and imports

INPUT_TOO_LARGE = Message(
    C.FILE_TOO_LARGE,
    "{path} holds more than the limit of {limit} bytes",
    "split the spec into files joined by 'use'",
)
NOT_REGULAR_FILE = Message(
    C.NOT_REGULAR_FILE,
    "cannot read {path}: it is {kind}, not a regular file",
    "name a .jnet file; 'jumpdsl fmt -' reads a spec from stdin",
)
USE_OUTSIDE_ROOTS = Message(
    C.USE_OUTSIDE_ROOTS,
    "'{path}' is outside the folders a spec may use{why}",
    "a spec may use files under the working folder, under its own folder and in std/; "
    "name another folder with --use-path DIR (use_path= in Python) and write the path "
    "relative to it",
)
USE_NOT_JNET = Message(
    C.USE_NOT_JNET,
    "'{path}' is not a .jnet file",
    "'use' brings in templates from another .jnet spec; rename the file or fix the path",
)
BAD_USE_PATH = Message(
    C.BAD_USE_PATH,
    "the path in this 'use' holds {what}",
    "write the path of a .jnet file, without control characters",
)

# ---------------------------------------------------------------- names

UNKNOWN_NAME = Message(C.UNKNOWN_NAME, "unknown {what} '{name}'{where}")
HINT_NAME_A_TENSOR = "name a tensor first with 'as NAME'"


def merges_are(merges: Iterable[str]) -> str:
    return f"merges are {', '.join(merges)}"


def plugin_offers(op: str, module: str, dist: str | None, reason: str) -> str:
    """The hint for an op an installed package offers but that is not loaded."""
    package = f" (package {dist})" if dist else ""
    return f"'{op}' comes from the plugin '{module}'{package}, {reason}"


def autoload_off(module: str) -> str:
    return (
        "which is not loaded because autoloading is off (--no-plugins or JUMPDSL_NO_PLUGINS): "
        f"load it with --plugin {module}"
    )


def load_failed(reason: str) -> str:
    return f"which failed to load: {reason}"


def value_of(variable: str) -> str:
    """``what`` of an unknown callee reached through a variable."""
    return f"op or template (the value of '{variable}')"


DUPLICATE_NAME = Message(C.DUPLICATE_NAME, "{what} '{name}' is defined twice{where}")
DUPLICATE_ARGUMENT = Message(C.DUPLICATE_NAME, "argument '{name}' is defined twice")
DUPLICATE_NETWORK = Message(
    C.DUPLICATE_NAME, "network '{name}' is defined twice", "put each network in its own file"
)
DUPLICATE_TEMPLATE = Message(
    C.DUPLICATE_NAME, "{kind} '{name}' is defined twice", "rename one of them"
)
TEMPLATE_NAMED_LIKE_OP = Message(
    C.DUPLICATE_NAME,
    "{kind} '{name}' is defined twice ('{name}' is a built-in op)",
    "rename the template",
)
DUPLICATE_SECTION = Message(
    C.DUPLICATE_NAME, "section '{name}' is defined twice", "merge the two sections into one"
)
DUPLICATE_TENSOR = Message(
    C.DUPLICATE_NAME, "tensor '{name}' is defined twice", "pick another name"
)
NOTE_FIRST_DEFINED = "first defined here"
NOTE_FIRST_HERE = "first here"
NOTE_FIRST_NAMED = "first named here"

# ---------------------------------------------------------------- calls and arguments

POSITIONAL_AFTER_KEYWORD = Message(
    C.BAD_ARGUMENTS,
    "a positional argument follows a keyword argument",
    "put positional arguments first",
)
GIVEN_TWICE = Message(C.BAD_ARGUMENTS, "'{name}' is given twice (by position and by name)")
MISSING_ARGUMENT = Message(C.BAD_ARGUMENTS, "{callee} needs the argument '{name}'")
NO_ARGUMENTS_TAKEN = Message(
    C.BAD_ARGUMENTS, "{callee} takes no arguments, got {given}", "write plain '{callee}'"
)
TOO_MANY_ARGUMENTS = Message(
    C.BAD_ARGUMENTS,
    "{callee} takes {takes} {noun} at most, got {given}",
    "{callee} takes: {names}",
)
BRANCH_OF_ONE = Message(
    C.BAD_ARGUMENTS, "a branch needs at least two paths", "add another {{ ... }} path"
)


def example_call(usage: str) -> str | None:
    """A hint with a call that has its required arguments (the op entry's ``usage``)."""
    return f"for example {usage}" if usage else None


RECURSIVE_TEMPLATE = Message(
    C.RECURSIVE_TEMPLATE,
    "{kind} '{name}' uses itself (through {chain})",
    "a template cannot contain itself",
)

# ---------------------------------------------------------------- types and values

BAD_TYPE = Message(C.BAD_TYPE, "{what} expects {expected}, got {got}")
BAD_INPUT_SHAPE = Message(
    C.BAD_TYPE,
    "input expects [channels, height, width], [tokens, channels] or [features] of positive "
    "integers, got {got}",
    "e.g. input [3, 224, 224]",
)
HINT_INTEGER_DIVISION = "use // for integer division"
EXPECTED_COUNT = "a count (integer >= 0)"

NEEDS_NUMBER = Message(C.BAD_VALUE, "{what} needs a number, got {got}")
RANGE_ARGUMENTS = Message(C.BAD_VALUE, "range takes one to three integers")
RANGE_TOO_LONG = Message(C.BAD_VALUE, "range of {length:,} items is over the limit of {limit:,}")
LEN_ARGUMENT = Message(C.BAD_VALUE, "len takes one list, tuple or string")
FUNCTION_ARITY = Message(C.BAD_VALUE, "{name} takes {least} to {most} arguments, got {given}")
CONDITION_NOT_BOOL = Message(C.BAD_VALUE, "a condition must be true or false, got {value}")
LIST_TOO_LONG = Message(C.BAD_VALUE, "list of {length:,} items is over the limit of {limit:,}")
DIVISION_BY_ZERO = Message(C.BAD_VALUE, "division by zero")
MATH_DOMAIN = Message(C.MATH_DOMAIN, "{what} has no value for {value}", "{why}")
RECURSIVE_FUNCTION = Message(
    C.RECURSIVE_FUNCTION,
    "function '{name}' calls itself",
    "functions cannot recurse; write the steps out, or loop with 'for' in a template",
)
FUNCTION_TOO_DEEP = Message(
    C.FUNCTION_LIMIT,
    "function calls nested more than {limit} deep",
    "call fewer functions inside one another",
)
FUNCTION_TOO_MANY_CALLS = Message(
    C.FUNCTION_LIMIT,
    "one expression makes more than {limit:,} function calls",
    "functions calling each other twice at each step grow exponentially; bind a result with 'let'",
)
FUNCTION_ARGUMENTS = Message(
    C.BAD_ARGUMENTS, "function '{name}' takes {takes}, got {given}", "call it as {usage}"
)
NOT_A_FUNCTION = Message(
    C.BAD_VALUE, "'{name}' is a {type}, not a function", "define it with 'fn {name}(…) = …'"
)
NAME_CLASH = Message(
    C.NAME_CLASH,
    "{kind} '{name}' is also defined in {file}, which this file uses",
    'give that file a namespace: use "{path}" as {alias}, then call its one as {alias}.{name}',
)
UNKNOWN_NAMESPACE = Message(
    C.UNKNOWN_NAME, "no file is used as '{alias}'", 'add: use "FILE.jnet" as {alias}'
)
NOT_INDEXABLE = Message(C.BAD_VALUE, "only lists and tuples can be indexed, not {type}")
INDEX_NOT_INT = Message(C.BAD_VALUE, "an index must be an integer, got {value}")
INDEX_OUT_OF_RANGE = Message(
    C.BAD_VALUE, "index {index} is out of range for {value} ({length} items)"
)
CANNOT_UNPACK = Message(C.BAD_VALUE, "cannot unpack {value} into {count} names")
NOT_A_DEFAULT = Message(
    C.BAD_VALUE, "'{path}' is not a default", "write op.attribute, e.g. conv.bias = false"
)

# ---------------------------------------------------------------- network parameters (--set)

NO_SUCH_PARAMETER = Message(C.BAD_OVERRIDE, "{network} has no parameter '{name}'")
OVERRIDE_WRONG_TYPE = Message(
    C.BAD_OVERRIDE,
    "{name}={value}: parameter '{name}' expects {expected}, got {got}",
    "{name} is declared at {declared}",
)
PARAMETER_WITHOUT_VALUE = Message(
    C.BAD_OVERRIDE,
    "parameter '{name}' has no value",
    "give it a default, or set it: --set {name}=VALUE",
)


def takes_parameters(network: str, names: list[str]) -> str:
    if not names:
        return f"{network} declares no parameters"
    return f"{network} takes: {', '.join(names)}"


# ---------------------------------------------------------------- where things stand

MERGE_IN_SEQUENCE = Message(
    C.MISPLACED,
    "'{name}' merges several tensors and cannot stand in a sequence",
    "merge tensors with a shortcut ('skip {name}', 'jump {name}') or 'branch {name} {{ ... }}'",
)
JUMP_OUTSIDE_GROUP = Message(
    C.MISPLACED,
    "'jump' is used outside a group",
    "jump starts at the input of the enclosing group; use 'skip' for a block's input, or "
    "'from NAME' for a named tensor",
)
NO_INPUT_SHAPE = Message(
    C.MISPLACED,
    "network {name} has no input shape",
    "e.g. 'input [3, 32, 32]' (channels, height, width)",
)
SECTIONS_OUT_OF_ORDER = Message(
    C.MISPLACED,
    "section '{name}' comes after a later section",
    "write the sections as stem, learner, task",
)

# ---------------------------------------------------------------- shapes

MERGE_MISMATCH = Message(C.MERGE_MISMATCH, "cannot {merge} tensors of shapes {shapes}")
SPATIAL_COLLAPSE = Message(C.SPATIAL_COLLAPSE, "{op} turns a {size} input into a size of {out}")
KERNEL_TOO_LARGE = Message(
    C.KERNEL_TOO_LARGE,
    "{op} window {kernel} is larger than its {size} input",
    "use a smaller kernel, padding=same, or remove a downsampling step earlier",
)
OUTPUT_PADDING_TOO_LARGE = Message(
    C.OUTPUT_PADDING,
    "conv_transpose's output_padding {padding} must be smaller than its stride {stride} "
    "or its dilation {dilation}",
    "output_padding picks one of the sizes a strided conv maps to the same size: 0 to stride − 1",
)
TRANSPOSE_EMPTY = Message(
    C.SPATIAL_COLLAPSE,
    "conv_transpose turns a {size} input into a size of {out}",
    "use less padding: the output is (H − 1)·stride − 2·padding + dilation·(kernel − 1) + "
    "output_padding + 1",
)
GROUPS_NOT_DIVISIBLE = Message(
    C.GROUPS_NOT_DIVISIBLE,
    "conv groups={groups} must divide the input channels ({channels}) and the filters ({filters})",
    "choose groups that divides both {channels} and {filters}",
)
BAD_RANK = Message(C.BAD_RANK, "{op} needs {expected} input, got shape {shape}")
SHAPE_REFUSED = Message(C.SHAPE_REFUSED, "{op} cannot take an input of shape {shape}: {reason}")
OFF_BRANCH = Message(
    C.OFF_BRANCH,
    "{op} drops more than a residual branch here: its output goes {where}, not into a merge",
    "write it last on the branch, just before `skip add` (or the merge of its branch)",
)


def off_branch_target(user: str | None) -> str:
    """Where an off-branch op's output goes, for :data:`OFF_BRANCH`."""
    return "out of the network" if user is None else f"into {user}"


POOL_PADDING_TOO_LARGE = Message(
    C.POOL_PADDING_TOO_LARGE,
    "{op} padding {padding} is more than half its {kernel} window",
    "pad by at most {most} (padding=same pads by half the window), or use a larger kernel",
)
HINT_POOL_TOO_SMALL = (
    "the map is already this small: remove a pooling or strided step before it, "
    "or start from a larger input"
)
HINT_LARGER_SCALE = "use a larger scale"
HINT_GROUPS_DIVIDE = "choose groups that divide the channels, or change the channels before it"
HINT_MAP_OPS_FIRST = "feature-map ops come before 'gap' or 'flatten'"
HINT_VECTOR_FIRST = "add 'gap' (global average pooling) or 'flatten' before it"
HINT_TOKENS_FIRST = "add 'to_tokens' before it (a C×H×W map → H·W tokens of C channels)"
HINT_TOKEN_GRID = "give to_map the grid's height, or make the tokens a square grid"
HINT_PATCH_GRID = "patch_merge halves a square grid: start from an input whose patches make one"
HINT_WINDOW_GRID = "choose a window that divides the grid's side (Swin: 56, 28, 14, 7 with 7)"
HINT_WINDOW_SHIFT = "shift by less than the window: Swin shifts every other block by window // 2"
HINT_HEADS_DIVIDE = "choose heads that divide the channels (768 channels: 12 heads of 64)"
HINT_TOKENS_NORM = "normalise tokens with 'layernorm', or make a map of them first ('to_map')"
HINT_TOKENS_TO_MAP = "add 'to_map' before it (N×C tokens → a C×H×W map), or 'take_token'"
HINT_MUL_SHAPES = "mul needs equal shapes, or per-channel weights (C or C×1×1) for a C×H×W map"


def projection_hint(main: str, filters: int, stride: int) -> str:
    stride_text = f", stride={stride}" if stride > 1 else ""
    return f"project the shortcut to {main}: skip add {{ conv({filters}, 1x1{stride_text}) }}"


def concat_hint(sizes: Iterable[str]) -> str:
    return (
        "concat joins channels; the other sizes must agree (H×W here): "
        + ", ".join(sizes)
        + ". Give the shortcut a strided path, e.g. { conv(c, 1x1, stride=2) }"
    )


def note_input_shape(shape: str) -> str:
    return f"this input is {shape}"


def note_made_in(instance: str) -> str:
    return f"in {instance}, made here"


# ---------------------------------------------------------------- the graph as a whole

CYCLE = Message(
    C.CYCLE,
    "this would make a cycle: '{name}' is used here but made later, at {where}",
    "a shortcut can only start from a tensor made before it: move 'as {name}' earlier, or "
    "the shortcut later",
)
TOO_MANY_STATEMENTS = Message(
    C.LIMIT_EXCEEDED,
    "expansion runs more than {limit} statements",
    "lower a repeat count, or raise the limit (--max-nodes)",
)
EXPANSION_TOO_BIG = Message(
    C.LIMIT_EXCEEDED,
    "this {what}, over the limit",
    "lower the count, or raise the limit with --max-nodes (now {limit:,} layers)",
)
TOO_MANY_LAYERS = Message(
    C.LIMIT_EXCEEDED,
    "the network expands to more than {limit} layers",
    "lower a repeat count, or raise the limit with --max-nodes",
)
TEMPLATES_TOO_DEEP = Message(C.LIMIT_EXCEEDED, "templates nest more than {limit} deep")


def repeats_times(times: int) -> str:
    return f"repeats {times:,} times"


def expands_to_about(layers: int) -> str:
    return f"would expand to about {layers:,} layers"


def runs_about(statements: int) -> str:
    return f"would run about {statements:,} statements"


# ------------------------------------------------------- Hostile input: values and messages

MALFORMED_NUMBER = Message(C.MALFORMED_NUMBER, "malformed number '{text}'")
HINT_SIZE_LITERAL = "a size is two integers joined by 'x' with no spaces, e.g. 3x3"
HINT_EXPONENT = "an exponent needs digits, e.g. 1e-3"
HINT_NUMBER_THEN_NAME = "put a space or an operator between a number and a name, e.g. 2 * x"
INTEGER_LITERAL_TOO_LARGE = Message(
    C.NUMBER_TOO_LARGE,
    "integer {text} is out of range",
    "integers lie within ±{limit:,} (64 bits)",
)
FLOAT_LITERAL_TOO_LARGE = Message(
    C.NUMBER_TOO_LARGE,
    "number {text} is too large for a float",
    "floats are finite, at most about 1.8e308",
)
INTEGER_OUT_OF_RANGE = Message(
    C.OUT_OF_RANGE,
    "{what} gives an integer out of range",
    "integers lie within ±{limit:,} (64 bits); use smaller numbers",
)
FLOAT_NOT_FINITE = Message(
    C.OUT_OF_RANGE,
    "{what} gives a number too large for a float",
    "floats are finite, at most about 1.8e308; use smaller numbers",
)
NUMBER_OUT_OF_RANGE = Message(C.OUT_OF_RANGE, "{what} has no value for this number")
RANGE_STEP_ZERO = Message(C.BAD_VALUE, "range's step is 0", "give a step other than 0, e.g. 1")
RESERVED_WORD = Message(
    C.RESERVED_WORD, "'{name}' is a keyword and cannot name a {what}", "pick another name"
)
USED_BEFORE_DEFINITION = Message(
    C.USED_BEFORE_DEFINITION,
    "'{name}' is used before its definition at line {line}",
    "move 'let {name} = …' above its first use",
)
SECOND_INPUT = Message(
    C.SECOND_INPUT,
    "network '{name}' has a second input",
    "a network has one input: remove this one or the first",
)
SECOND_NETWORK = Message(
    C.SECOND_NETWORK,
    "a file holds one network; '{name}' is a second one, after '{first}'",
    "put each network in its own file (templates can be shared with 'use')",
)
VALUE_TOO_LARGE = Message(
    C.VALUE_TOO_LARGE,
    "this value holds more than {limit:,} items (nested items counted each time they appear)",
    "build smaller lists; the limit is fixed (see 'Value bounds' in docs/language.md)",
)
VALUE_TOO_DEEP = Message(
    C.VALUE_TOO_DEEP,
    "lists or tuples nested more than {limit} deep",
    "nest less; the limit is fixed (see 'Value bounds' in docs/language.md)",
)
NOTE_FIRST_INPUT = "the first input"
NOTE_FIRST_NETWORK = "the file's network"
UNKNOWN_TYPE = Message(C.UNKNOWN_NAME, "unknown type '{name}'")
MISSPELT_KEYWORD = Message(C.UNEXPECTED_TOKEN, "unexpected {found} after '{word}'")
DANGLING_OPERATOR = Message(
    C.UNEXPECTED_TOKEN,
    "'{op}' has nothing on its right",
    "write its right operand after it, or remove the '{op}'",
)


def note_in_instance(instance: str) -> str:
    """The note at the call of a template where a diagnostic inside it was found."""
    return f"in {instance}, called here"


def more_errors(errors: int, warnings: int) -> str:
    """The last line when --max-errors cut the list.

    >>> more_errors(4950, 0)
    '… and 4,950 more errors (show them with --max-errors 0)'
    >>> more_errors(1, 2)
    '… and 1 more error and 2 more warnings (show them with --max-errors 0)'
    """
    counts = [(errors, "error"), (warnings, "warning")]
    parts = [f"{n:,} more {noun}{'' if n == 1 else 's'}" for n, noun in counts if n]
    return f"… and {' and '.join(parts)} (show them with --max-errors 0)"


# ---------------------------------------------------------------- plugins

PLUGIN_NOT_LOADED = Message(
    C.PLUGIN_NOT_LOADED,
    "cannot load plugin '{plugin}': {reason}",
    "a plugin is a Python module on the search path: pip install its package or add its "
    "folder to PYTHONPATH (see docs/ops.md)",
)
HINT_RENAME_OP = "give the plugin's op a name of its own (the core's ops keep theirs)"
HINT_PLUGIN_OPS = "a plugin module lists its ops in OPS = (Op(...), ...) (see docs/ops.md)"
PLUGIN_OP_FAILED = Message(
    C.PLUGIN_FAILED,
    "op '{op}' of plugin {plugin} failed in its {stage}: {error}",
    "this is a bug in the plugin, not in the spec or in jumpdsl: tell the plugin's authors",
)

# ---------------------------------------------------------------- warnings

UNUSED_DEFINITION = Message(
    C.UNUSED_DEFINITION, "{kind} '{name}' is never used", "call it, or remove it"
)
TENSOR_EXPECTED = Message(
    C.TENSOR_EXPECTED,
    "parameter '{name}' of {callee} takes a tensor, got {got}",
    "pass a tensor's name, made earlier with 'as NAME' (or 'as NAME[i]' in a loop)",
)
BAD_TENSOR_INDEX = Message(
    C.BAD_TENSOR_INDEX,
    "a tensor's index must be a whole number, got {got}",
    "index names made in a loop by the loop's counter: 'as enc[i]', then 'from enc[i]'",
)
TENSOR_PARAM_DEFAULT = Message(
    C.TENSOR_PARAMETER,
    "tensor parameter '{name}' cannot have a default",
    "a tensor is the caller's: every call passes one",
)
NETWORK_TENSOR_PARAM = Message(
    C.TENSOR_PARAMETER,
    "a network's parameter '{name}' cannot be a tensor",
    "only templates (blocks and groups) take tensors; the network's input is 'input'",
)
GATE_WITHOUT_PATH = Message(
    C.MISPLACED,
    "'gate {merge}' needs a path: 'gate {merge} {{ … }}'",
    "a gate applies its path to the current tensor and merges the result back into it",
)
GATE_WITH_ORIGIN = Message(
    C.MISPLACED,
    "a gate starts at the current tensor: it takes no 'from'",
    "use 'skip {merge} from NAME {{ … }}' for a path that starts at a named tensor",
)


def pass_the_tensor(name: str) -> str:
    """The hint for a template that names a tensor made outside it."""
    return (
        "a template sees only the tensors named inside it and its tensor parameters: add a "
        f"parameter '{name}: tensor' and pass the tensor in the call"
    )


DANGLING_TENSOR = Message(
    C.DANGLING_TENSOR,
    "tensor '{name}' is named but never used",
    "use it with 'from {name}', or remove 'as {name}'",
)

# Hostile input: outputs and resources
RESOURCE_LIMIT = Message(
    C.RESOURCE_LIMIT,
    "building this network needs {what}, over the limit of {limit}",
    "make it smaller, or raise the limit with {option} (load(): {keyword}=)",
)
RESOURCE_ESTIMATE = Message(
    C.RESOURCE_ESTIMATE,
    "this network needs {what}, over the limit of {limit}: compile, export and train will "
    "refuse it",
    "make it smaller, or raise the limit there with {option}",
)
SHAPE_TOO_LARGE = Message(
    C.SHAPE_TOO_LARGE,
    "this {op} makes a tensor of {elements} elements, more than a 64-bit size counts",
    "lower the sizes (channels, the scale factor) before it",
)

WINDOW_TOO_LARGE = Message(
    C.WINDOW_TOO_LARGE,
    "this {op}'s {what} is {value}, more than torch's window ops count (2**31 - 1)",
    "lower the dilation, stride or padding",
)


def needs_params(params: int, nbytes: int) -> str:
    """``'90,003,100,002 parameters (335.3 GiB)'``."""
    return f"{params:,} parameters ({format_bytes(nbytes)})"


def needs_memory(weights: int, activations: int, batch: int) -> str:
    """What a build needs: its weights and its activations at the batch it runs."""
    return (
        f"{format_bytes(weights + activations)} ({format_bytes(weights)} of weights, "
        f"{format_bytes(activations)} of activations at batch {batch})"
    )


def big_count(count: int) -> str:
    """``'1,099,511,627,776'``, or ``'about 2**400'`` for a count too long to print."""
    return f"{count:,}" if count < 10**30 else f"about 2**{count.bit_length() - 1}"


def format_bytes(count: int) -> str:
    """``'16 GiB'``, ``'1.5 MiB'``, ``'512 B'``: binary units, three significant digits."""
    value, unit = float(count), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            break
        value /= 1024
    return f"{count} B" if unit == "B" else f"{value:.3g} {unit}"


_BUILDERS = (
    autoload_off,
    concat_hint,
    example_call,
    big_count,
    expands_to_about,
    format_bytes,
    load_failed,
    merges_are,
    needs_memory,
    needs_params,
    more_errors,
    note_in_instance,
    note_input_shape,
    note_made_in,
    plugin_offers,
    projection_hint,
    repeats_times,
    runs_about,
    takes_parameters,
    value_of,
)
__all__ += [n for n, v in list(globals().items()) if n.isupper() and isinstance(v, (Message, str))]
__all__ += [f.__name__ for f in _BUILDERS]
