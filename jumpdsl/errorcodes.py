"""Diagnostic codes: the first tier of the message registry (the second is
:mod:`jumpdsl.messages`). A code is a stable identifier (``JD301``), a short name
(``merge-shape-mismatch``) and a severity; editors, tests and docs key on it. Every message
belongs to one code; several messages may share one.

Plugins register their own codes with :func:`register`; a code or name already taken is refused.

>>> UNKNOWN_NAME.code, UNKNOWN_NAME.name, CODES["JD201"] is UNKNOWN_NAME
('JD201', 'unknown-name', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["CODES", "ErrorCode", "Severity", "register"]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ErrorCode:
    """One kind of problem: a stable code, a short name, a severity and a line of doc."""

    code: str
    name: str
    doc: str
    severity: Severity = Severity.ERROR


CODES: dict[str, ErrorCode] = {}


def register(code: str, name: str, doc: str, severity: Severity = Severity.ERROR) -> ErrorCode:
    """Add a code to the registry (core and plugins alike); refuse one that is taken."""
    if code in CODES:
        raise ValueError(f"diagnostic code {code} is taken by '{CODES[code].name}'")
    if any(entry.name == name for entry in CODES.values()):
        raise ValueError(f"diagnostic name '{name}' is taken")
    entry = ErrorCode(code, name, doc, severity)
    CODES[code] = entry
    return entry


# Syntax and input files
UNEXPECTED_TOKEN = register("JD101", "unexpected-token", "a token that cannot come here")
UNEXPECTED_CHARACTER = register("JD102", "unexpected-character", "a character not in the language")
UNEXPECTED_EOF = register("JD103", "unexpected-end", "the file ends before its last construct")
NOT_UTF8 = register("JD104", "not-utf8", "the file is not UTF-8 text")
EMPTY_FILE = register("JD105", "empty-file", "the file holds nothing")
TOO_DEEP = register("JD106", "too-deep", "nesting past the parser's limit")
FILE_TOO_LARGE = register("JD107", "file-too-large", "the file is over the size limit")
CANNOT_READ = register("JD108", "cannot-read", "the file cannot be read")
MISSING_BRACKET = register("JD109", "missing-bracket", "a bracket left open")

# Hostile input: files and imports
NOT_REGULAR_FILE = register(
    "JD120", "not-regular-file", "a device, FIFO, socket or folder where a spec file should be"
)
USE_OUTSIDE_ROOTS = register(
    "JD121", "use-outside-roots", "a 'use' that reaches outside the folders a spec may read"
)
USE_NOT_JNET = register("JD122", "use-not-jnet", "a 'use' of a file that is not a .jnet spec")
BAD_USE_PATH = register("JD123", "bad-use-path", "a 'use' path holding a NUL or control character")

# Names, calls and values
UNKNOWN_NAME = register("JD201", "unknown-name", "a name that nothing defines")
BAD_ARGUMENTS = register("JD202", "bad-arguments", "arguments that do not fit the call")
BAD_TYPE = register("JD203", "bad-type", "a value of the wrong type or range")
DUPLICATE_NAME = register("JD204", "duplicate-name", "a name defined twice")
RECURSIVE_TEMPLATE = register("JD205", "recursive-template", "a template that contains itself")
NO_NETWORK = register("JD206", "no-network", "a file with no network where one is needed")
BAD_OVERRIDE = register("JD207", "bad-override", "a network parameter set wrongly")
MISPLACED = register("JD208", "misplaced", "a construct where it cannot stand")
BAD_VALUE = register("JD209", "bad-value", "an expression that has no value")
BAD_IMPORT = register("JD210", "bad-import", "a 'use' that cannot be followed")

# Functions, math and namespaces (issue 13)
MATH_DOMAIN = register("JD220", "math-domain", "a math function given a number outside its domain")
RECURSIVE_FUNCTION = register("JD221", "recursive-function", "a function that calls itself")
FUNCTION_LIMIT = register(
    "JD222", "function-limit", "function calls nested or repeated past a limit"
)
NAME_CLASH = register("JD223", "name-clash", "a name defined here and in a file used without 'as'")

# Shapes
MERGE_MISMATCH = register("JD301", "merge-shape-mismatch", "merged tensors whose shapes differ")
SPATIAL_COLLAPSE = register("JD302", "spatial-collapse", "a map shrunk to nothing")
KERNEL_TOO_LARGE = register("JD303", "kernel-too-large", "a window larger than its input")
GROUPS_NOT_DIVISIBLE = register("JD304", "groups-not-divisible", "conv groups that do not divide")
BAD_RANK = register("JD305", "bad-rank", "a map where a vector is needed, or the reverse")
SHAPE_REFUSED = register("JD306", "shape-refused", "an input an op's own rule refuses")
OUTPUT_PADDING = register(
    "JD310", "output-padding", "a transposed conv's output padding not below its stride"
)
OFF_BRANCH = register(
    "JD324",
    "off-branch",
    "an op that drops a residual branch (stochastic depth) whose output goes into no merge",
    Severity.WARNING,
)
POOL_PADDING_TOO_LARGE = register(
    "JD317", "pool-padding-too-large", "a pool padded by more than half its window"
)

# The graph as a whole
CYCLE = register("JD401", "cycle", "a tensor used before it is made")
LIMIT_EXCEEDED = register("JD402", "limit-exceeded", "a spec that expands past a limit")

# Hostile input: values and messages
MALFORMED_NUMBER = register("JD110", "malformed-number", "a number literal written wrongly")
NUMBER_TOO_LARGE = register(
    "JD111", "number-too-large", "a number literal outside the range of values"
)
OUT_OF_RANGE = register("JD211", "out-of-range", "a computed number outside the range of values")
RESERVED_WORD = register("JD212", "reserved-word", "a keyword used as a name")
USED_BEFORE_DEFINITION = register(
    "JD213", "used-before-definition", "a 'let' value used above its definition"
)
SECOND_INPUT = register("JD214", "second-input", "a network with more than one input")
SECOND_NETWORK = register("JD215", "second-network", "a file with more than one network")
TENSOR_EXPECTED = register(
    "JD225", "tensor-expected", "a tensor parameter given something other than a tensor's name"
)
BAD_TENSOR_INDEX = register(
    "JD226", "bad-tensor-index", "a tensor name's index that is not a whole number"
)
TENSOR_PARAMETER = register(
    "JD227", "tensor-parameter", "a tensor parameter where none can be: a network's, a default"
)
VALUE_TOO_LARGE = register("JD404", "value-too-large", "a list or tuple past the size limit")
VALUE_TOO_DEEP = register("JD405", "value-too-deep", "lists or tuples nested past the limit")

# Plugins
PLUGIN_NOT_LOADED = register("JD601", "plugin-not-loaded", "a plugin that cannot be loaded")
PLUGIN_FAILED = register("JD602", "plugin-failed", "a plugin's op raised while jumpdsl ran it")

# Warnings
UNUSED_DEFINITION = register(
    "JD501", "unused-definition", "a template never called", Severity.WARNING
)
DANGLING_TENSOR = register(
    "JD502", "dangling-tensor", "a tensor named but never used", Severity.WARNING
)

# Hostile input: outputs and resources
RESOURCE_LIMIT = register(
    "JD403", "resource-limit", "a network too big to build: parameters or memory past a limit"
)
SHAPE_TOO_LARGE = register(
    "JD410", "shape-too-large", "a tensor with more elements than a 64-bit size can count"
)
WINDOW_TOO_LARGE = register(
    "JD411", "window-too-large", "a window, stride or padding past what torch's window ops count"
)
RESOURCE_ESTIMATE = register(
    "JD503",
    "resource-estimate",
    "a network that compile, export and train would refuse as too big",
    Severity.WARNING,
)

__all__ += [name for name, value in list(globals().items()) if isinstance(value, ErrorCode)]
