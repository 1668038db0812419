"""The language server, driven by a real LSP client (pygls') over stdio: ``python -m jumpdsl
lsp`` in a subprocess, one test per feature at least. Expected shapes and counts come from the
check pipeline itself (``jumpdsl.api.check_file``), not from the server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest.importorskip("lsprotocol")

from lsp_client import ROOT, Session, uri
from lsprotocol import types as T

from jumpdsl.api import STDLIB, check_file, check_text
from jumpdsl.formatting import format_source
from jumpdsl.ops.core import format_shape
from jumpdsl.passes.shapes import Shapes
from jumpdsl.source import SourceFile

SPEC = ROOT / "specs" / "jumpnet.jnet"
STD = STDLIB / "jumpnet.jnet"
DIAGNOSTICS = ROOT / "tests" / "diagnostics"
TASK = "    task { gap dense(2) }\n}\n"
CONV = (
    "conv(filters, kernel, stride=1x1, padding=same, dilation=1x1, groups=1, bias=true, "
    "init=torch, bias_init=auto)"
)


@pytest.fixture(scope="module")
def lsp() -> Iterator[Session]:
    session = Session()
    yield session
    session.close()


def where(path: Path, text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """0-based (line, character) of the ``nth`` occurrence of ``needle`` (ASCII lines)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    before = text[:start]
    return before.count("\n"), start - (before.rfind("\n") + 1)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def rows(markdown: str) -> list[list[str]]:
    """The table rows of a hover (without the header and the rule)."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("| `"):
            out.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return out


def expected_rows(spec: Path, node_ids: list[str]) -> list[list[str]]:
    graph = check_file(spec).raise_for_errors()
    out = []
    for node in node_ids:
        record = graph.get(Shapes, node)
        ins = ", ".join(format_shape(s) for s in record.in_shapes)
        assert record.shape is not None
        out.append(
            [node, ins, format_shape(record.shape), f"{record.params:,}", f"{record.macs:,}"]
        )
    return out


def apply(text: str, edits: list[T.TextEdit]) -> str:
    """Apply LSP edits (ASCII text) from the end backwards."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
        lines = text.split("\n")
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line) + 1)
    return text


# ------------------------------------------------------------------ the server starts


def test_lsp_initialize_advertises_every_feature(lsp: Session) -> None:
    caps = lsp.init.capabilities
    assert lsp.init.server_info is not None and lsp.init.server_info.name == "jumpdsl"
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.completion_provider is not None and caps.signature_help_provider is not None
    assert caps.document_symbol_provider and caps.folding_range_provider
    assert caps.document_formatting_provider and caps.code_action_provider
    assert caps.position_encoding == T.PositionEncodingKind.Utf16


def test_lsp_without_the_extra_exits_2_with_the_pip_command() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None; from jumpdsl.cli import main; "
        "sys.exit(main(['lsp']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'jumpdsl[lsp]'" in result.stderr


# ------------------------------------------------------------------ diagnostics


def _golden_files() -> list[Path]:
    files = []
    for path in sorted(DIAGNOSTICS.glob("*.jnet")):
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # an editor cannot hold it as text
        files.append(path)
    return files


def test_lsp_diagnostics_match_check_for_every_golden_file(
    lsp: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every code the corpus exercises comes through, at the range its span gives."""
    monkeypatch.chdir(ROOT)
    codes = set()
    for path in _golden_files():
        shown = str(path.relative_to(ROOT))
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        published = lsp.open(path, text)
        expected = check_file(shown).diagnostics
        assert sorted(d.code for d in published) == sorted(d.code for d in expected), shown
        here = [d for d in expected if d.span is not None and d.span.path == shown]
        got = {(d.code, d.range.start.line, d.message.split("\nhint: ")[0]) for d in published}
        for diag in here:
            assert diag.span is not None
            assert (diag.code, diag.span.line - 1, diag.message) in got, (shown, diag)
        codes |= {d.code for d in published}
    assert {"JD101", "JD109", "JD201", "JD202", "JD203", "JD301", "JD305", "JD501"} <= codes


def test_lsp_diagnostic_notes_are_related_information(lsp: Session) -> None:
    path = DIAGNOSTICS / "duplicate_tensor_name.jnet"
    published = lsp.open(path)
    dup = next(d for d in published if d.code == "JD204")
    assert dup.related_information and dup.related_information[0].message == "first named here"
    assert dup.related_information[0].location.uri == uri(path)
    merge = lsp.open(DIAGNOSTICS / "add_channel_mismatch.jnet")
    notes = [r.message for d in merge if d.code == "JD301" for r in d.related_information or ()]
    assert any(n.startswith("this input is ") for n in notes)


def test_lsp_diagnostic_ranges_count_utf16_units(lsp: Session, tmp_path: Path) -> None:
    prefix = '    stem { let mood = "😀é" '
    text = f"network T {{\n    input [3, 8, 8]\n{prefix}cnov(4, 3x3) }}\n}}\n"
    path = tmp_path / "emoji.jnet"
    published = lsp.open(path, text)
    (diag,) = published
    assert diag.code == "JD201"
    assert diag.range.start == T.Position(2, utf16(prefix))
    assert diag.range.end == T.Position(2, utf16(prefix) + 4)
    assert "hint: did you mean 'conv'?" in diag.message


def test_lsp_utf8_positions_when_the_client_asks() -> None:
    session = Session(encodings=[T.PositionEncodingKind.Utf8])
    try:
        assert session.init.capabilities.position_encoding == T.PositionEncodingKind.Utf8
        prefix = '    stem { let mood = "😀é" '
        text = f"network T {{\n    input [3, 8, 8]\n{prefix}cnov(4, 3x3) }}\n}}\n"
        (diag,) = session.open(ROOT / "scratch-utf8.jnet", text)
        assert diag.range.start == T.Position(2, len(prefix.encode("utf-8")))
    finally:
        session.close()


def test_lsp_diagnostics_follow_each_edit(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "typing.jnet"
    text = "network T {\n    input [3, 8, 8]\n    task { gap dense(2) }\n}\n"
    assert list(lsp.open(path, text)) == []
    # Type a mistake (an incremental change), then take it back.
    broken = lsp.edit(path, 2, 11, 14, "gpa")
    assert [d.code for d in broken] == ["JD201"]
    assert broken[0].range == T.Range(T.Position(2, 11), T.Position(2, 14))
    assert list(lsp.edit(path, 2, 11, 14, "gap")) == []


# ------------------------------------------------------------------ quick fixes


def _actions(lsp: Session, path: Path, diag: T.Diagnostic) -> list[T.CodeAction]:
    params = T.CodeActionParams(
        text_document=lsp.doc(path), range=diag.range, context=T.CodeActionContext([diag])
    )
    return lsp.request(T.TEXT_DOCUMENT_CODE_ACTION, params) or []


def test_lsp_quick_fix_did_you_mean(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "typo.jnet"
    text = "network T {\n    input [3, 8, 8]\n    stem { cnov(4, 3x3) }\n" + TASK
    (diag,) = lsp.open(path, text)
    actions = _actions(lsp, path, diag)
    assert [a.title for a in actions] == ["Change 'cnov' to 'conv'"]
    assert actions[0].kind == T.CodeActionKind.QuickFix and actions[0].is_preferred
    assert actions[0].edit is not None and actions[0].edit.changes is not None
    fixed = apply(text, list(actions[0].edit.changes[uri(path)]))
    assert "conv(4, 3x3)" in fixed
    assert list(lsp.change(path, fixed)) == []


def test_lsp_quick_fix_gap_before_dense(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "vector.jnet"
    text = "network T {\n    input [3, 8, 8]\n    stem { conv(4, 3x3) }\n    task { dense(2) }\n}\n"
    (diag,) = lsp.open(path, text)
    assert diag.code == "JD305"
    actions = _actions(lsp, path, diag)
    assert [a.title for a in actions] == ["Add 'gap' before dense", "Add 'flatten' before dense"]
    for action, expected in zip(actions, ("gap dense(2)", "flatten dense(2)"), strict=True):
        assert action.edit is not None and action.edit.changes is not None
        fixed = apply(text, list(action.edit.changes[uri(path)]))
        assert f"task {{ {expected} }}" in fixed
        assert check_file_text_ok(fixed)


def check_file_text_ok(text: str) -> bool:
    from jumpdsl.api import check_text

    return check_text(text).ok


def test_lsp_quick_fix_closes_a_bracket(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "paren.jnet"
    text = "network T {\n    input [3, 8, 8]\n    stem { conv(4, 3x3 }\n}\n"
    (diag,) = lsp.open(path, text)
    assert diag.code == "JD109"
    (action,) = _actions(lsp, path, diag)
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply(text, list(action.edit.changes[uri(path)]))
    assert "conv(4, 3x3) }" in fixed and check_file_text_ok(fixed)


# ------------------------------------------------------------------ hover


def test_lsp_hover_conv_in_a_library_block_lists_every_instance(lsp: Session) -> None:
    """The conv inside JumpBottleneck (std/jumpnet.jnet), hovered with specs/jumpnet.jnet
    open: one row per block instance (3 + 4 + 3), each with its real shapes."""
    lsp.open(SPEC)
    std_text = STD.read_text(encoding="utf-8")
    lsp.open(STD, std_text)
    line, col = where(STD, std_text, "conv(f // reduction, 3x3)")
    hover = lsp.hover(STD, line, col + 1)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    text = hover.contents.value
    ids = [
        f"learner.group{g}.block{b}.conv2"
        for g, n in ((1, 3), (2, 4), (3, 3))
        for b in range(1, n + 1)
    ]
    assert rows(text) == expected_rows(SPEC, ids)
    assert "**conv** · op · 10 instances" in text
    assert "2-D convolution" in text and "`stride=1x1`" in text  # the op table's doc
    assert hover.range == T.Range(T.Position(line, col), T.Position(line, col + 4))


def test_lsp_hover_template_call_lists_each_instance(lsp: Session) -> None:
    text = SPEC.read_text(encoding="utf-8")
    lsp.open(SPEC)
    line, col = where(SPEC, text, "JumpGroup(")
    hover = lsp.hover(SPEC, line, col + 2)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    value = hover.contents.value
    graph = check_file(SPEC).raise_for_errors()
    table = rows(value)
    assert [r[0] for r in table] == ["learner.group1", "learner.group2", "learner.group3"]
    for row in table:
        members = [n for n in graph.order() if n.startswith(row[0] + ".")]
        params = sum(graph.get(Shapes, n).params for n in members)
        last = graph.get(Shapes, members[-1]).shape
        assert last is not None
        assert row[2] == format_shape(last) and row[3] == f"{params:,}"
    assert "group JumpGroup(f: int, n: int, reduction: int = 1)" in value
    assert "jump link" in value  # the comment above the definition, as its doc


def test_lsp_hover_network_totals(lsp: Session) -> None:
    text = SPEC.read_text(encoding="utf-8")
    lsp.open(SPEC)
    line, col = where(SPEC, text, "JumpNet(")
    hover = lsp.hover(SPEC, line, col + 1)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    # 813,418: the spec's own comment, and tests/test_jumpnet.py against torch.
    assert "813,418 parameters" in hover.contents.value
    assert "3×32×32 → 10" in hover.contents.value


def test_lsp_hover_parameter_shows_its_value_per_instance(lsp: Session) -> None:
    std_text = STD.read_text(encoding="utf-8")
    lsp.open(SPEC)
    lsp.open(STD, std_text)
    line, col = where(STD, std_text, "f: int, reduction")
    hover = lsp.hover(STD, line, col)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    table = rows(hover.contents.value)
    assert [r[1] for r in table] == ["32"] * 3 + ["64"] * 4 + ["128"] * 3
    assert [r[2] for r in table][:4] == ["32×32×32"] * 3 + ["64×16×16"]


def test_lsp_hover_tensor_name(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "named.jnet"
    text = (
        "network T {\n    input [3, 8, 8]\n    stem { conv(4, 3x3, stride=2) as low conv(4, 3x3)"
        " skip add from low }\n    task { gap dense(2) }\n}\n"
    )
    assert list(lsp.open(path, text)) == []
    line, col = where(path, text, "low", 1)
    hover = lsp.hover(path, line, col + 1)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    assert rows(hover.contents.value)[0][:3] == ["stem: low", "3×8×8", "4×4×4"]


def test_lsp_hover_keeps_answering_while_the_file_is_broken(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "broken.jnet"
    good = "network T {\n    input [3, 8, 8]\n    stem { conv(4, 3x3) }\n" + TASK
    lsp.open(path, good)
    broken = good.replace("dense(2) }\n}", "dense(2 \n")
    published = lsp.change(path, broken)
    assert [d.code for d in published] in (["JD109"], ["JD103"])
    hover = lsp.hover(path, 2, 12)
    assert hover is not None and isinstance(hover.contents, T.MarkupContent)
    assert rows(hover.contents.value) == [["stem.conv1", "3×8×8", "4×8×8", "112", "6,912"]]


def test_lsp_editing_a_used_file_rechecks_its_users(lsp: Session) -> None:
    std_text = STD.read_text(encoding="utf-8")
    spec_uri = uri(SPEC)
    lsp.open(SPEC)
    lsp.open(STD, std_text)
    # The block's last conv now makes f // 2 channels: `skip add` cannot add them to f.
    narrow = std_text.replace("conv(f, 1x1)\n    skip add", "conv(f // 2, 1x1)\n    skip add")
    assert narrow != std_text
    lsp.change(STD, narrow)
    lsp.wait_until(lambda: bool(lsp.diagnostics.get(spec_uri)))
    published = lsp.diagnostics[spec_uri]
    assert {d.code for d in published} == {"JD301"}
    text = SPEC.read_text(encoding="utf-8")
    line, _ = where(SPEC, text, "JumpGroup(")
    assert all(d.range.start.line == line for d in published)  # at the call that made it
    related = published[0].related_information or []
    assert related[0].location.uri == uri(STD)  # and where in the library it failed
    lsp.change(STD, std_text)
    lsp.wait_until(lambda: not lsp.diagnostics.get(spec_uri))


# ------------------------------------------------------------------ definitions, references


def _locations(result: object) -> list[tuple[str, int, int]]:
    assert isinstance(result, (list, tuple))
    return [(loc.uri, loc.range.start.line, loc.range.start.character) for loc in result]


def test_lsp_definition_across_use_into_the_stdlib(lsp: Session) -> None:
    text = SPEC.read_text(encoding="utf-8")
    std_text = STD.read_text(encoding="utf-8")
    lsp.open(SPEC)
    line, col = where(SPEC, text, "JumpGroup(")
    params = T.DefinitionParams(text_document=lsp.doc(SPEC), position=T.Position(line, col + 1))
    assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [
        (uri(STD), *where(STD, std_text, "JumpGroup"))
    ]
    # a loop variable, a network parameter, a `use` path
    line, col = where(SPEC, text, "JumpGroup(f")
    params = T.DefinitionParams(
        text_document=lsp.doc(SPEC), position=T.Position(line, col + len("JumpGroup("))
    )
    loop_line, loop_col = where(SPEC, text, "(f, n)")
    assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [
        (uri(SPEC), loop_line, loop_col + 1)
    ]
    line, col = where(SPEC, text, "dense(classes)")
    params = T.DefinitionParams(text_document=lsp.doc(SPEC), position=T.Position(line, col + 7))
    assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [
        (uri(SPEC), *where(SPEC, text, "classes: int"))
    ]
    line, col = where(SPEC, text, 'use "std')
    params = T.DefinitionParams(text_document=lsp.doc(SPEC), position=T.Position(line, col + 6))
    assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [(uri(STD), 0, 0)]


def test_lsp_definition_of_a_template_parameter_and_a_tensor(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "defs.jnet"
    text = (
        "block B(c: int) {\n    conv(c, 3x3) as mid\n    conv(c, 1x1)\n    skip add from mid\n}\n"
        "network T {\n    input [3, 8, 8]\n    stem { B(c=4) }\n}\n"
    )
    lsp.open(path, text)
    for needle, nth, target in (("c, 1x1", 0, "c: int"), ("mid", 1, "mid"), ("c=4", 0, "c: int")):
        line, col = where(path, text, needle, nth)
        params = T.DefinitionParams(text_document=lsp.doc(path), position=T.Position(line, col))
        assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [
            (uri(path), *where(path, text, target))
        ], needle
    line, col = where(path, text, "mid")
    params = T.ReferenceParams(
        context=T.ReferenceContext(False),
        text_document=lsp.doc(path),
        position=T.Position(line, col),
    )
    assert _locations(lsp.request(T.TEXT_DOCUMENT_REFERENCES, params)) == [
        (uri(path), *where(path, text, "mid", 1))
    ]


def test_lsp_references_across_files(lsp: Session) -> None:
    text = SPEC.read_text(encoding="utf-8")
    std_text = STD.read_text(encoding="utf-8")
    lsp.open(SPEC)
    lsp.open(STD, std_text)
    line, col = where(STD, std_text, "JumpGroup")
    params = T.ReferenceParams(
        context=T.ReferenceContext(True), text_document=lsp.doc(STD), position=T.Position(line, col)
    )
    found = set(_locations(lsp.request(T.TEXT_DOCUMENT_REFERENCES, params)))
    assert found == {(uri(STD), line, col), (uri(SPEC), *where(SPEC, text, "JumpGroup("))}
    line, col = where(STD, std_text, "f: int, reduction")
    params = T.ReferenceParams(
        context=T.ReferenceContext(False),
        text_document=lsp.doc(STD),
        position=T.Position(line, col),
    )
    found = _locations(lsp.request(T.TEXT_DOCUMENT_REFERENCES, params))
    calls = [where(STD, std_text, "conv(f // reduction", n) for n in range(2)]
    calls.append(where(STD, std_text, "conv(f, 1x1)\n    skip"))
    assert found == [(uri(STD), line, col + len("conv(")) for line, col in calls]


# ------------------------------------------------------------------ completion, signatures


def _complete(lsp: Session, path: Path, line: int, character: int) -> dict[str, T.CompletionItem]:
    params = T.CompletionParams(text_document=lsp.doc(path), position=T.Position(line, character))
    result = lsp.request(T.TEXT_DOCUMENT_COMPLETION, params)
    items = result.items if isinstance(result, T.CompletionList) else result
    return {item.label: item for item in items}


def test_lsp_completion_of_ops_templates_parameters_keywords(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "complete.jnet"
    text = (
        'use "std/jumpnet.jnet"\nnetwork T(width: int = 8) {\n    input [3, 32, 32]\n'
        "    stem { conv(width, 3x3) }\n    learner { J }\n}\n"
    )
    lsp.open(path, text)
    line, col = where(path, text, "J }")
    items = _complete(lsp, path, line, col + 1)
    conv = items["conv"]
    assert conv.kind == T.CompletionItemKind.Function
    assert conv.detail == CONV
    assert (
        isinstance(conv.documentation, T.MarkupContent) and "`groups=1`" in conv.documentation.value
    )
    assert items["JumpGroup"].kind == T.CompletionItemKind.Class
    assert items["JumpGroup"].detail == "group JumpGroup(f: int, n: int, reduction: int = 1)"
    assert {"skip", "jump", "repeat", "for", "branch", "as", "let"} <= set(items)
    assert items["width"].kind == T.CompletionItemKind.Variable
    assert "add" not in items  # merges stand after skip/jump/branch only


def test_lsp_completion_in_context(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "context.jnet"
    text = (
        'use "std/"\nnetwork T {\n    input [3, 32, 32]\n    defaults { conv. }\n'
        "    stem { conv(8, 3x3, ) as a skip  }\n}\n"
    )
    lsp.open(path, text)
    line, col = where(path, text, 'std/"')
    assert {"std/jumpnet.jnet", "std/resnet.jnet"} <= set(_complete(lsp, path, line, col + 4))
    line, col = where(path, text, "conv. ")
    assert {"bias", "stride", "groups"} <= set(_complete(lsp, path, line, col + 5))
    line, col = where(path, text, ", ) as")
    attrs = _complete(lsp, path, line, col + 2)
    assert attrs["stride="].detail == "stride=1x1" and "bias=" in attrs
    line, col = where(path, text, "skip  }")
    assert set(_complete(lsp, path, line, col + 5)) == {"add", "mul", "concat"}


def test_lsp_signature_help_inside_calls(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "sig.jnet"
    text = (
        'use "std/jumpnet.jnet"\nnetwork T {\n    input [3, 32, 32]\n'
        "    stem { conv(8, 3x3, padding=valid) }\n    learner { JumpGroup(32, 2) }\n}\n"
    )
    lsp.open(path, text)
    line, col = where(path, text, "3x3, padding")
    help_ = lsp.request(
        T.TEXT_DOCUMENT_SIGNATURE_HELP,
        T.SignatureHelpParams(text_document=lsp.doc(path), position=T.Position(line, col)),
    )
    assert help_.signatures[0].label.startswith("conv(filters, kernel, stride=1x1")
    assert help_.active_parameter == 1
    line, col = where(path, text, "valid)")
    help_ = lsp.request(
        T.TEXT_DOCUMENT_SIGNATURE_HELP,
        T.SignatureHelpParams(text_document=lsp.doc(path), position=T.Position(line, col)),
    )
    assert help_.active_parameter == 3  # padding, by keyword
    start, end = help_.signatures[0].parameters[3].label
    assert help_.signatures[0].label[start:end] == "padding=same"
    line, col = where(path, text, "2) }")
    help_ = lsp.request(
        T.TEXT_DOCUMENT_SIGNATURE_HELP,
        T.SignatureHelpParams(text_document=lsp.doc(path), position=T.Position(line, col)),
    )
    assert help_.signatures[0].label == "group JumpGroup(f: int, n: int, reduction: int = 1)"
    assert help_.active_parameter == 1


# ------------------------------------------------------------------ formatting, outline


def test_lsp_formatting_applies_the_fmt_rules(lsp: Session, tmp_path: Path) -> None:
    path = tmp_path / "messy.jnet"
    text = "network T{input [3,8,8]\n  # keep me\n task{gap dense( 2 )}}\n"
    lsp.open(path, text)
    params = T.DocumentFormattingParams(
        text_document=lsp.doc(path), options=T.FormattingOptions(tab_size=4, insert_spaces=True)
    )
    edits = lsp.request(T.TEXT_DOCUMENT_FORMATTING, params)
    expected = format_source(SourceFile("messy.jnet", text)).text
    assert expected is not None and "# keep me" in expected
    assert apply(text, list(edits)) == expected
    lsp.change(path, expected)
    assert list(lsp.request(T.TEXT_DOCUMENT_FORMATTING, params)) == []


def test_lsp_document_symbols(lsp: Session) -> None:
    lsp.open(SPEC)
    found = lsp.request(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL, T.DocumentSymbolParams(lsp.doc(SPEC)))
    (network,) = found
    assert (network.name, network.kind) == ("JumpNet", T.SymbolKind.Module)
    children = {c.name: c for c in network.children}
    assert {"classes", "groups", "defaults", "stem", "learner", "task"} <= set(children)
    assert [c.name for c in children["learner"].children] == ["JumpGroup"]
    std = lsp.request(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL, T.DocumentSymbolParams(lsp.doc(STD)))
    assert [(s.name, s.detail) for s in std] == [
        ("JumpBottleneck", "block"),
        ("JumpGroup", "group"),
    ]


def test_lsp_folding_ranges(lsp: Session) -> None:
    text = SPEC.read_text(encoding="utf-8")
    lsp.open(SPEC)
    found = lsp.request(T.TEXT_DOCUMENT_FOLDING_RANGE, T.FoldingRangeParams(lsp.doc(SPEC)))
    spans = {(f.start_line, f.end_line, f.kind) for f in found}
    network = where(SPEC, text, "network JumpNet")[0]
    last = text.rstrip("\n").count("\n")
    assert (network, last, T.FoldingRangeKind.Region) in spans
    assert (0, 3, T.FoldingRangeKind.Comment) in spans  # the opening comment
    params_end = where(SPEC, text, ") {")[0]
    assert any(s == network and e == params_end - 1 for s, e, _ in spans)  # the parameters


def test_lsp_functions_and_namespaced_uses(lsp: Session, tmp_path: Path) -> None:
    # fn definitions: in the outline, a call's definition is the fn; `use … as` and `ns.Name`
    # calls are understood (no error, and the analysis does not stop at them).
    path = tmp_path / "fns.jnet"
    text = (
        'use "std/resnet.jnet" as std\n'
        "fn wide(c, k = 2) = c * k ** 2\n"
        "network T {\n    input [3, 32, 32]\n    fn half(c) = c // 2\n"
        "    stem { std.ResNetStem(half(wide(16))) }\n" + TASK
    )
    lsp.open(path, text)
    found = lsp.request(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL, T.DocumentSymbolParams(lsp.doc(path)))
    assert [(s.name, s.kind) for s in found] == [
        ("wide", T.SymbolKind.Function),
        ("T", T.SymbolKind.Module),
    ]
    assert [c.name for c in found[0].children] == ["c", "k"]
    assert "half" in [c.name for c in found[1].children]
    for needle, target in (("wide(16)", "wide(c"), ("half(wide", "half(c)")):
        line, col = where(path, text, needle)
        params = T.DefinitionParams(text_document=lsp.doc(path), position=T.Position(line, col))
        assert _locations(lsp.request(T.TEXT_DOCUMENT_DEFINITION, params)) == [
            (uri(path), *where(path, text, target))
        ], needle
    assert check_text(text).ok
