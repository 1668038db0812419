"""The pipeline as functions: read → parse → lower → passes. Nothing here imports torch.

>>> from jumpdsl.passes.shapes import Shapes
>>> result = check_text("network T { input [3, 8, 8] task { gap dense(2) } }")
>>> result.ok, result.graph.get(Shapes, "task.dense1").params
(True, 8)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jumpdsl import messages as M
from jumpdsl.backends.memory import ResourceLimits, estimate
from jumpdsl.diagnostics import Diagnostic, DiagnosticSink, JumpdslError, Reported
from jumpdsl.errorcodes import Severity
from jumpdsl.fileio import MAX_SPEC_BYTES, NotRegularFileError, TooLargeError, read_bounded
from jumpdsl.gcpause import paused_gc
from jumpdsl.ir.evaluate import evaluate
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.values import Value
from jumpdsl.lower.builder import Limits
from jumpdsl.lower.network import lower
from jumpdsl.ops.loading import PluginError, op_table
from jumpdsl.ops.table import OpTable
from jumpdsl.passes.shapes import infer_shapes
from jumpdsl.source import SourceDecodeError, SourceFile, Span, decode_source
from jumpdsl.syntax import ast
from jumpdsl.syntax.parser import parse, parse_expression

__all__ = [
    "MAX_FILE_BYTES",
    "Checked",
    "UseRoots",
    "check_file",
    "check_resources",
    "check_text",
    "lower_text",
    "parse_override",
    "spec_names",
]

MAX_FILE_BYTES = MAX_SPEC_BYTES


@dataclass
class Checked:
    """The result of checking one spec: the annotated IR (or None) and every diagnostic.

    ``sources`` and ``modules`` hold each file read (the spec and what it uses) by the path
    diagnostics show, its text and its AST (where it parsed); ``files`` maps the used files'
    shown paths to where they are on disk.
    """

    path: str
    graph: Graph | None
    diagnostics: list[Diagnostic]
    sources: dict[str, SourceFile] = field(default_factory=dict)
    modules: dict[str, ast.Module] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.graph is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics
        )

    def raise_for_errors(self) -> Graph:
        """The graph, or :class:`JumpdslError` carrying the rendered diagnostics."""
        if self.ok and self.graph is not None:
            return self.graph
        from jumpdsl.report import render_text

        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if not errors:  # no network in the file
            errors = [DiagnosticSink().report(M.NO_NETWORK, None, path=self.path)]
        raise JumpdslError(errors, render_text(errors, self.sources))


def _to_value(value: Any) -> Value:
    """A Python value given to load() or check() as a .jnet value."""
    if isinstance(value, (list, tuple)):
        items = [_to_value(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value  # type: ignore[no-any-return]


def parse_override(name: str, text: str, sink: DiagnosticSink) -> Value | None:
    """The value of ``--set NAME=TEXT``: any .jnet expression; a bare word is a word.

    >>> parse_override("groups", "[(32, 3), (64, 4)]", DiagnosticSink())
    [(32, 3), (64, 4)]
    """
    source = SourceFile(f"--set {name}", text)
    expr = parse_expression(source, sink)
    if expr is None:
        return None
    scratch = DiagnosticSink()
    try:
        return evaluate(expr, {}, scratch)
    except Reported:
        # Shown without a place: the value is on the command line, not in a file.
        sink.extend([dataclasses.replace(d, span=None) for d in scratch.items])
        return None


def check_text(
    text: str,
    path: str = "<string>",
    params: Mapping[str, Any] | None = None,
    *,
    limits: Limits | None = None,
    overlay: Mapping[Path, str] | None = None,
    shapes_despite_errors: bool = False,
    plugins: Sequence[str] = (),
    autoload: bool | None = None,
    use_path: Sequence[str | Path] = (),
) -> Checked:
    """Check a spec given as text; ``params`` override the network's parameters.

    ``path`` is the name diagnostics show; ``use`` paths resolve from its folder. For an
    editor: ``overlay`` gives the text of files that are open (by resolved path), read instead
    of the disk when the spec uses them; ``shapes_despite_errors`` runs the shape pass even
    when lowering reported errors, so the graph it made has shapes to show (its findings are
    not reported: they could follow from the errors). ``plugins`` are modules whose ops the
    spec may use; installed plugins (entry points in ``jumpdsl.ops``) load by themselves unless
    ``autoload`` is False or the environment sets ``JUMPDSL_NO_PLUGINS`` (see
    :mod:`jumpdsl.ops.loading`). ``use_path`` names folders outside the working folder and
    the spec's own that its ``use`` may read (see :class:`UseRoots`).
    """
    return _check_source(
        SourceFile(path, text),
        params,
        limits,
        Path(path),
        overlay or {},
        shapes_despite_errors,
        tuple(plugins),
        autoload,
        tuple(use_path),
    )


def check_source_text(path: str | Path) -> SourceFile | Checked:
    """A spec's text as a SourceFile, or a failed :class:`Checked` saying why it can't be read."""
    sink = DiagnosticSink()
    shown: dict[str, SourceFile] = {}
    source = _read(Path(path), str(path), sink, None, shown)
    return source if source is not None else Checked(str(path), None, sink.sorted(), shown)


def check_resources(
    result: Checked,
    limits: ResourceLimits | None = None,
    *,
    batch: int = 1,
    training: bool = False,
    warn: bool = False,
) -> Checked:
    """``result`` with a diagnostic where building its network would take more than
    ``limits`` (parameters, or bytes of weights and activations at ``batch``; ``training``:
    the activations the backward pass keeps): an error (JD403) for the verbs that build, a
    warning (JD503, the default limits) for ``check``. Estimated from the shapes: nothing is
    allocated. A result with errors already comes back as it is."""
    if not result.ok or result.graph is None:
        return result
    graph, limits = result.graph, limits or ResourceLimits()
    found = estimate(graph, batch, training=training)
    message = M.RESOURCE_ESTIMATE if warn else M.RESOURCE_LIMIT
    if found.params > limits.max_params:
        what = M.needs_params(found.params, found.weight_bytes)
        limit, option, keyword = f"{limits.max_params:,} parameters", "--max-params", "max_params"
    elif found.memory > limits.max_memory:
        what = M.needs_memory(found.weight_bytes, found.activation_bytes, batch)
        limit, option, keyword = M.format_bytes(limits.max_memory), "--max-memory", "max_memory"
    else:
        return result
    span = graph[graph.input].span
    sink = DiagnosticSink()
    sink.report(message, span, what=what, limit=limit, option=option, keyword=keyword)
    found_all = sorted([*result.diagnostics, *sink.items], key=Diagnostic.sort_key)
    return dataclasses.replace(result, diagnostics=found_all)


def check_file(
    path: str | Path,
    params: Mapping[str, Any] | None = None,
    *,
    limits: Limits | None = None,
    plugins: Sequence[str] = (),
    autoload: bool | None = None,
    use_path: Sequence[str | Path] = (),
) -> Checked:
    """Check a spec file; unreadable or non-UTF-8 files come back as diagnostics. ``plugins``,
    ``autoload`` and ``use_path`` as for :func:`check_text`."""
    shown = str(path)
    sink = DiagnosticSink()
    lossy: dict[str, SourceFile] = {}
    source = _read(Path(path), shown, sink, None, lossy)
    if source is None:
        return Checked(shown, None, sink.sorted(), lossy)
    return _check_source(
        source,
        params,
        limits,
        Path(path),
        plugins=tuple(plugins),
        autoload=autoload,
        use_path=tuple(use_path),
    )


def _read(
    path: Path,
    shown: str,
    sink: DiagnosticSink,
    span: Span | None,
    sources: dict[str, SourceFile] | None = None,
    overlay: Mapping[Path, str] | None = None,
) -> SourceFile | None:
    """A spec's text, or None with a diagnostic (at ``span``, the ``use`` that asked for it).

    Reading is bounded (:func:`jumpdsl.fileio.read_bounded`): devices, FIFOs and folders are
    refused unread, and no more than the limit is read from any file. For a file that is not
    UTF-8, ``sources`` gets a copy with the bad bytes replaced, so the diagnostic can still
    show the line. A file in ``overlay`` (open in an editor) is read from there.
    """
    if overlay and path in overlay:
        return SourceFile(shown, overlay[path])
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except NotRegularFileError as err:
        sink.report(M.NOT_REGULAR_FILE, span, path=shown, kind=err.kind)
        return None
    except TooLargeError as err:
        where = span or Span(shown, 1, 1, 1, 1)
        if err.size is None:
            sink.report(M.INPUT_TOO_LARGE, where, path=shown, limit=err.limit)
        else:
            sink.report(M.FILE_TOO_LARGE, where, size=err.size, limit=err.limit)
        return None
    except (OSError, ValueError) as err:  # ValueError: a NUL in a path given to the API
        reason = (err.strerror if isinstance(err, OSError) else None) or str(err)
        if span is not None:
            sink.report(M.CANNOT_READ_USED, span, path=shown, reason=reason)
        else:
            sink.report(M.CANNOT_READ, None, path=shown, reason=reason, hint=_zoo_hint(shown))
        return None
    try:
        return SourceFile(shown, decode_source(data))
    except SourceDecodeError as err:
        if sources is not None:
            sources[shown] = SourceFile(shown, data.decode("utf-8", errors="replace"))
        sink.report(
            M.NOT_UTF8,
            Span(shown, err.line, err.column, err.line, err.column + 1),
            byte=f"{err.byte:02x}",
        )
        return None


def _zoo_hint(shown: str) -> str | None:
    """For a bare name that is not a file (``resnet51``): the zoo models it may mean."""
    if Path(shown).name != shown or Path(shown).suffix:
        return None
    from jumpdsl.zoo import names

    return M.not_a_zoo_model(shown, names())


STDLIB = Path(__file__).resolve().parent / "stdlib"


@dataclass(frozen=True)
class UseRoots:
    """The folders a spec's ``use`` may read from: the working folder's tree, the tree of the
    spec's own folder, the standard library, and the ``--use-path`` folders (``use_path=``),
    which are also searched, in order, for a path not found beside the importing file.
    Nothing outside these is ever opened: a spec cannot make jumpdsl read, or echo in a
    diagnostic, ``/etc/passwd`` or ``~/.ssh``.
    """

    trees: tuple[Path, ...]
    search: tuple[Path, ...] = ()

    @classmethod
    def of(cls, spec: Path | None, use_path: Iterable[str | Path] = ()) -> UseRoots:
        search = tuple(Path(p).resolve() for p in use_path)
        here = (spec.resolve().parent,) if spec is not None else ()
        return cls((Path.cwd().resolve(), *here, STDLIB, *search), search)

    def contains(self, target: Path) -> bool:
        return any(target.is_relative_to(tree) for tree in self.trees)


class _Refused(Exception):
    """A ``use`` path that is not followed: the message and its fields."""

    def __init__(self, message: M.Message, **fields: Any) -> None:
        super().__init__(message.template)
        self.message = message
        self.fields = fields


def _resolve_use(path: str, base: Path | None, roots: UseRoots) -> Path:
    """Where ``use PATH`` points, symlinks followed, or :class:`_Refused`: ``std/NAME.jnet``
    is the standard library shipped in the package; any other path is relative to the
    importing file, else to the first ``--use-path`` folder that holds it. The target must be
    a ``.jnet`` file inside the roots."""
    bad = next((c for c in path if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        what = "a NUL byte" if bad == "\0" else f"the control character {bad!r}"
        raise _Refused(M.BAD_USE_PATH, what=what)
    if Path(path).is_absolute():
        raise _Refused(M.USE_OUTSIDE_ROOTS, path=path, why=": it is an absolute path")
    if path.startswith("std/"):
        target = (STDLIB / path[4:]).resolve()
        if not target.is_relative_to(STDLIB):
            raise _Refused(M.USE_OUTSIDE_ROOTS, path=path, why=": it leaves std/")
    else:
        places = [(p / path).resolve() for p in (base or Path.cwd(), *roots.search)]
        inside = [t for t in places if roots.contains(t)]  # nothing outside is even looked at
        if not inside:
            raise _Refused(M.USE_OUTSIDE_ROOTS, path=path, why=f" (it is {places[0]})")
        target = next((t for t in inside if t.exists()), inside[0])
    if Path(path).suffix != ".jnet" or target.suffix != ".jnet":
        raise _Refused(M.USE_NOT_JNET, path=path)
    return target


def _shown_path(target: Path) -> str:
    if target.is_relative_to(STDLIB):
        return "std/" + target.relative_to(STDLIB).as_posix()
    if target.is_relative_to(Path.cwd()):
        return os.path.relpath(target)
    return str(target)


@dataclass
class _Loaded:
    """What reading a spec's ``use`` files found: their texts, ASTs and places on disk."""

    sources: dict[str, SourceFile]
    overlay: Mapping[Path, str]
    roots: UseRoots
    modules: dict[Path, ast.Module | None] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    # Each file's namespaces, as the uses name them (None: used without 'as').
    aliases: dict[Path, list[str | None]] = field(default_factory=dict)
    # Each used file's own uses: the file it names, and as what.
    uses: dict[Path, list[tuple[Path, str | None]]] = field(default_factory=dict)


def _load_uses(
    module: ast.Module,
    base: Path | None,
    sink: DiagnosticSink,
    found: _Loaded,
    stack: tuple[Path, ...],
) -> None:
    """Parse every file ``module`` uses (transitively), each once; report cycles, misses and
    paths outside the roots (never read)."""
    sources, loaded = found.sources, found.modules
    for use in (i for i in module.items if isinstance(i, ast.Use)):
        try:
            target = _resolve_use(use.path, base, found.roots)
        except _Refused as refused:
            sink.report(refused.message, use.span, **refused.fields)
            continue
        if target in stack:
            chain = " → ".join(p.name for p in (*stack[stack.index(target) :], target))
            sink.report(M.IMPORT_CYCLE, use.span, chain=chain)
            continue
        names = found.aliases.setdefault(target, [])
        if use.alias not in names:
            names.append(use.alias)
        if stack and stack[-1] in found.modules:  # a used file's use, not the spec's own
            found.uses.setdefault(stack[-1], []).append((target, use.alias))
        if target in loaded:
            continue
        shown = _shown_path(target)
        source = _read(target, shown, sink, use.span, sources, found.overlay)
        used = parse(source, sink) if source is not None else None
        loaded[target] = used
        found.files[shown] = target
        if source is not None:
            sources[source.path] = source
        if used is not None:
            _load_uses(used, target.parent, sink, found, (*stack, target))


def spec_names(modules: Iterable[ast.Module]) -> set[str]:
    """The names parsed specs mention that could name an op (calls, merges, ``defaults``,
    words that a variable may call), less the templates they define: which installed plugins
    a check loads.

    >>> from jumpdsl.syntax.parser import parse
    >>> text = "block cbam() { relu } network T { input [3] stem { cbam() x }  task { eca } }"
    >>> sorted(spec_names([parse(SourceFile("t", text), DiagnosticSink())]))
    ['eca', 'relu', 'x']
    """
    found: set[str] = set()
    templates: set[str] = set()
    for module in modules:
        for node, _ in ast.walk(module):
            if isinstance(node, ast.Call):
                found.add(node.name)
            elif isinstance(node, (ast.Shortcut, ast.Branch)):
                found.add(node.merge)
            elif isinstance(node, ast.Setting):
                found.add(node.path[0])
            elif isinstance(node, ast.Var):
                found.add(node.name)
            elif isinstance(node, ast.Template):
                templates.add(node.name)  # the spec's own definition wins over a package's
    return found - templates


def _ops_for(
    modules: list[ast.Module],
    plugins: tuple[str, ...],
    autoload: bool | None,
    sink: DiagnosticSink,
) -> OpTable | None:
    try:
        return op_table(plugins, names=spec_names(modules), autoload=autoload)
    except PluginError as exc:
        sink.report(M.PLUGIN_NOT_LOADED, None, hint=exc.hint, plugin=exc.plugin, reason=exc.reason)
        return None


@paused_gc  # a tenth faster on large specs (see jumpdsl/gcpause.py)
def _check_source(
    source: SourceFile,
    params: Mapping[str, Any] | None,
    limits: Limits | None,
    path: Path | None = None,
    overlay: Mapping[Path, str] | None = None,
    shapes_despite_errors: bool = False,
    plugins: tuple[str, ...] = (),
    autoload: bool | None = None,
    use_path: tuple[str | Path, ...] = (),
) -> Checked:
    sink = DiagnosticSink()
    found = _Loaded({source.path: source}, overlay or {}, UseRoots.of(path, use_path))
    module = parse(source, sink)
    graph = None
    modules = {}
    if module is not None:
        here = path.resolve() if path is not None else None
        _load_uses(module, here.parent if here else None, sink, found, (here,) if here else ())
        library = [m for m in reversed(found.modules.values()) if m is not None]
        namespaces = {
            id(m): tuple(found.aliases.get(t, [None])) for t, m in found.modules.items() if m
        }
        uses = {
            id(m): tuple((id(found.modules[t]), alias) for t, alias in found.uses.get(path_, []))
            for path_, m in found.modules.items()
            if m is not None
        }
        ops = _ops_for([module, *library], plugins, autoload, sink)
        if ops is None:
            return Checked(source.path, None, sink.sorted(), found.sources)
        overrides = {name: (_to_value(v), None) for name, v in (params or {}).items()}
        graph = lower(
            module,
            sink,
            overrides=overrides,
            limits=limits,
            library=library,
            ops=ops,
            namespaces=namespaces,
            uses=uses,
        )
        if graph is not None and not sink.has_errors:
            infer_shapes(graph, sink)
        elif graph is not None and shapes_despite_errors:
            infer_shapes(graph, DiagnosticSink())
        shown = {target: name for name, target in found.files.items()}
        modules = {shown[t]: m for t, m in found.modules.items() if m is not None}
        modules[source.path] = module
    return Checked(source.path, graph, sink.sorted(), found.sources, modules, found.files)


def lower_text(text: str, *, plugins: Sequence[str] = (), **params: Any) -> Graph:
    """The checked IR of a spec given as text; raises :class:`JumpdslError` on errors.

    >>> from jumpdsl.passes.shapes import Shapes
    >>> g = lower_text("network T(c = 2) { input [3, 8, 8] task { gap dense(c) } }", c=5)
    >>> g.get(Shapes, "task.dense1").shape
    (5,)
    """
    return check_text(text, params=params, plugins=plugins).raise_for_errors()
