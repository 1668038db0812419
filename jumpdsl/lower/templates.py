"""The templates a network can call (``block`` and ``group`` definitions), from its own file,
its network body and the files it uses; and the warning for those never called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Label
from jumpdsl.ir.values import Value
from jumpdsl.lower.binding import check_params
from jumpdsl.ops.table import OpTable
from jumpdsl.syntax import ast

__all__ = ["IN_CHANNELS", "TemplateDef", "Templates"]

# Bound in every block and group instance to the channel count (first dimension) of its input,
# so a block can decide what a paper decides from its input: projection or identity shortcut,
# DenseNet's transition width, MobileNetV2's expansion.
IN_CHANNELS = "in_channels"


@dataclass
class TemplateDef:
    """A template and the variables it can see where it was defined."""

    node: ast.Template
    env: Mapping[str, Value]
    prefix: str = ""  # 'ns.' for a file used with 'as ns': its body's calls look there first

    @property
    def name(self) -> str:
        """The name it is called by: ``Inception``, or ``std.Inception``."""
        return self.prefix + self.node.name

    @cached_property
    def reads_in_channels(self) -> bool:
        """Whether the body mentions ``in_channels`` (and no parameter has that name)."""
        if any(p.name == IN_CHANNELS for p in self.node.params):
            return False
        return any(isinstance(n, ast.Var) and n.name == IN_CHANNELS for n, _ in ast.walk(self.node))


@dataclass
class Templates:
    """The templates by name, and which were called; ``ops`` the op table (a template may not
    take an op's name)."""

    ops: OpTable
    defined: dict[str, TemplateDef] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def get(self, name: str) -> TemplateDef | None:
        return self.defined.get(name)

    def names(self) -> list[str]:
        return list(self.defined)

    def collect(
        self,
        items: list[ast.Template],
        env: Mapping[str, Value],
        sink: DiagnosticSink,
        prefix: str = "",
    ) -> None:
        """Add templates seeing ``env``, named ``prefix + name``; a name taken (by an op or a
        template) is an error."""
        for tpl in items:
            if tpl.name in self.ops:
                sink.report(M.TEMPLATE_NAMED_LIKE_OP, tpl.name_span, kind=tpl.kind, name=tpl.name)
                continue
            name = prefix + tpl.name
            if name in self.defined:
                self._taken(tpl, self.defined[name].node, sink)
                continue
            check_params(tpl.params, sink)
            self.defined[name] = TemplateDef(tpl, env, prefix)

    @staticmethod
    def _taken(tpl: ast.Template, first: ast.Template, sink: DiagnosticSink) -> None:
        label = Label(first.name_span, M.NOTE_FIRST_DEFINED)
        if first.span.path != tpl.span.path:
            # Defined in a file used without a namespace: say how to keep both.
            path = first.span.path
            alias = path.rsplit("/", 1)[-1].removesuffix(".jnet") or "lib"
            sink.report(
                M.NAME_CLASH,
                tpl.name_span,
                labels=(label,),
                kind=tpl.kind,
                name=tpl.name,
                file=path,
                path=path,
                alias=alias,
            )
            return
        sink.report(
            M.DUPLICATE_TEMPLATE, tpl.name_span, labels=(label,), kind=tpl.kind, name=tpl.name
        )

    def warn_unused(self, local: list[ast.Template], sink: DiagnosticSink) -> None:
        """Warn of the templates in ``local`` (the network's file) that were never called."""
        for tpl in local:
            known = self.defined.get(tpl.name)
            if tpl.name not in self.used and known is not None and known.node is tpl:
                sink.report(M.UNUSED_DEFINITION, tpl.name_span, kind=tpl.kind, name=tpl.name)
