"""Drawing: levels, focus, labels, legend, edge styles, themes, formats (.tex included),
determinism, and the embedded Graphviz next to the system one. Sizing for print, TikZ in a
paper, the 3-D style and fonts are in test_draw_print.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ALL_SPECS, ROOT, SPECS, net
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.draw import DrawError, DrawOptions, draw
from jumpdsl.backends.draw_fonts import resolve_font
from jumpdsl.backends.draw_labels import compact_count, paper_call
from jumpdsl.backends.draw_legend import LEGEND_TEXT
from jumpdsl.backends.draw_theme import THEMES
from jumpdsl.backends.draw_view import AUTO_DEPTH_LIMIT, build_view
from jumpdsl.backends.graphviz_dot import to_dot
from jumpdsl.cli import main
from jumpdsl.ops import CORE as OPS
from jumpdsl.ops.core import format_shape
from jumpdsl.passes.shapes import Shapes

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")

_LINE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w.]+)(?: -> ("(?:[^"\\]|\\.)*"|[\w.]+))? \[(.*)\]$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ "]+)')


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def parse_dot(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict]]]:
    """The nodes and edges of DOT written by the graphviz package (one statement a line)."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict]] = []
    for line in source.splitlines():
        match = _LINE.match(line)
        if not match or match.group(1) in ("node", "edge", "graph"):
            continue
        attrs = {k: _unquote(v) for k, v in _ATTR.findall(match.group(3))}
        if match.group(2):
            edges.append((_unquote(match.group(1)), _unquote(match.group(2)), attrs))
        else:
            nodes[_unquote(match.group(1))] = attrs
    return nodes, edges


@pytest.fixture(scope="module")
def jumpnet():
    return check_file(SPECS / "jumpnet.jnet").raise_for_errors()


def _figure(graph, **options) -> tuple[dict, list]:
    return parse_dot(to_dot(graph, DrawOptions(**options)))


def _drawn(nodes: dict) -> set[str]:
    """Node ids of the figure itself (no legend, no cluster titles)."""
    return {n for n in nodes if not n.startswith(("legend.", "title."))}


def _edges(edges: list, legend: bool = False) -> list:
    return [e for e in edges if (e[0].startswith("legend.") == legend) and "invis" not in str(e[2])]


# ---------------------------------------------------------------- levels


def test_depth_1_draws_stem_groups_task_with_jumps_between(jumpnet) -> None:
    nodes, edges = _figure(jumpnet, depth=1)
    groups = [s for s, info in jumpnet.scopes.items() if info.kind == "group"]
    assert {"stem", "task", *groups} <= _drawn(nodes)
    assert all(not n.startswith(f"{g}.block") for g in groups for n in nodes)
    for group in groups:
        title = nodes[group]["label"].split("\\n")[0]
        assert title == paper_call(jumpnet.scopes[group]) == jumpnet.scopes[group].call[:-4] + ")"
        assert title.endswith(", 3)") or title.endswith(", 4)")  # no default reduction=1
        merge = [n for n in nodes if n.startswith(group + ".concat")]
        into = [e for e in _edges(edges) if e[1] == merge[0]]
        kinds = sorted(e[2]["color"] for e in into)
        assert kinds == sorted([THEMES["color"].edges["flow"]["color"], _jump_color()])


def _jump_color() -> str:
    return THEMES["color"].edges["jump"]["color"]


@pytest.mark.parametrize("collapse", [True, False])
def test_depth_2_draws_blocks_and_keeps_their_skips(jumpnet, collapse) -> None:
    nodes, edges = _figure(jumpnet, depth=2, collapse=collapse)
    blocks = [s for s, info in jumpnet.scopes.items() if info.kind == "block"]
    drawn = [b for b in blocks if b in nodes]
    # JumpNet's groups hold 3, 4 and 3 identical blocks: each run is drawn once, marked ×n
    assert len(drawn) == (3 if collapse else len(blocks))
    if collapse:
        marks = sorted(nodes[b]["label"] for b in drawn)
        assert marks == ["JumpBottleneck ×3", "JumpBottleneck ×3", "JumpBottleneck ×4"]
    assert not any(n.startswith(b + ".") and "add" not in n for b in blocks for n in nodes)
    skips = [e for e in _edges(edges) if e[2]["color"] == THEMES["color"].edges["skip"]["color"]]
    assert len(skips) == len(drawn)  # one skip into each drawn block's add
    assert all(nodes[e[1]]["shape"] == "circle" for e in skips)
    # the stem stays one box (its layers are in no block), a group's own layers are one box
    assert "stem" in nodes and not any(n.startswith("stem.") for n in nodes)
    own = [n for n in nodes if n.startswith("learner.group1.bn") and n.endswith(".run")]
    assert len(own) == 1 and nodes[own[0]]["label"] == "bn · relu · conv 1×1, 32, /2"


def test_depth_3_draws_every_layer(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, depth=3, collapse=False)
    assert set(jumpnet) <= _drawn(nodes)
    assert _drawn(nodes) - set(jumpnet) == {"output"}


def test_depth_3_collapsed_draws_the_first_of_each_run(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, depth=3)
    twins = ("learner.group1.block2.", "learner.group1.block3.")
    hidden = {n for n in jumpnet if n.startswith(twins)}
    assert hidden and not hidden & set(nodes)
    assert {n for n in jumpnet if n.startswith("learner.group1.block1.")} <= set(nodes)
    titles = {v["label"] for k, v in nodes.items() if k.startswith("title.")}
    assert {"JumpBottleneck ×3", "JumpBottleneck ×4"} <= titles


def test_auto_depth_is_every_layer_for_small_nets_and_fits_for_large(tmp_spec) -> None:
    small = check_file(tmp_spec(net("stem { conv(8, 3x3) relu }\ntask { gap dense(3) }")))
    graph = small.raise_for_errors()
    assert set(graph) <= set(build_view(graph).nodes)
    large = check_file(SPECS / "jumpnet152.jnet").raise_for_errors()
    expanded = build_view(large, collapse=False)  # 532 layers: not every one
    deeper = build_view(large, expanded.depth + 1, collapse=False)
    assert len(expanded.nodes) <= AUTO_DEPTH_LIMIT < len(deeper.nodes)
    assert build_view(large).depth == 3  # collapsed, every layer of it fits


def test_focus_draws_one_part_alone(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, focus="learner.group2", depth=3, collapse=False)
    inside = {n for n in jumpnet if n.startswith("learner.group2.")}
    drawn = _drawn(nodes)
    assert inside <= drawn
    ports = drawn - inside
    assert sorted(nodes[p]["label"] for p in ports) == ["input", "output"]
    assert not any(n.startswith(("learner.group1.", "learner.group3.", "stem")) for n in drawn)


def test_focus_counts_levels_from_the_part(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, focus="learner.group2", depth=1, collapse=False)
    blocks = [s for s in jumpnet.scopes if s.startswith("learner.group2.block")]
    assert set(blocks) <= _drawn(nodes)


def test_unknown_focus_names_the_parts(jumpnet) -> None:
    with pytest.raises(DrawError, match=r"did you mean 'learner\.group2'"):
        draw(jumpnet, "dot", DrawOptions(focus="learner.grup2"))


# ---------------------------------------------------------------- annotations


def test_shapes_on_edges_where_they_change(jumpnet) -> None:
    _, edges = _figure(jumpnet, depth=3, collapse=False)
    by_tail = {e[0]: e for e in _edges(edges) if e[2].get("label")}
    for node in jumpnet.order():
        data = jumpnet.get(Shapes, node)
        changes = not data.in_shapes or data.in_shapes[0] != data.shape
        if changes:
            assert by_tail[node][2]["label"] == format_shape(data.shape), node
        else:
            assert node not in by_tail, node


@pytest.mark.parametrize("mode", ["all", "none"])
def test_shapes_all_or_none(jumpnet, mode) -> None:
    _, edges = _figure(jumpnet, depth=2, shapes=mode)
    labelled = [e for e in _edges(edges) if e[2].get("label")]
    assert len(labelled) == (len(_edges(edges)) if mode == "all" else 0)


def test_params_per_box(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, depth=1, params=True)
    for group in ("learner.group1", "learner.group3"):
        params = {n: jumpnet.get(Shapes, n).params for n in jumpnet}
        total = sum(p for n, p in params.items() if n.startswith(group + "."))
        path = sum(p for n, p in params.items() if ".jump1." in n and group in n)
        assert f"{compact_count(total - path)} params" in nodes[group]["label"]
    assert "params" not in _figure(jumpnet, depth=1)[0]["learner.group1"]["label"]


def test_layer_labels_come_from_the_op_table(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, depth=3)
    conv = "learner.group2.conv1"
    assert nodes[conv]["label"] == OPS["conv"].label(jumpnet[conv].attrs)
    assert nodes[conv]["label"].endswith("/2")


def test_merges_are_small_distinct_nodes(jumpnet) -> None:
    nodes, _ = _figure(jumpnet, depth=3, collapse=False)
    merges = [n for n in jumpnet if OPS.get(jumpnet[n].op) and OPS[jumpnet[n].op].merge]
    assert merges and all(
        nodes[m]["shape"] == "circle" and len(nodes[m]["label"]) == 1 for m in merges
    )


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_legend_explains_exactly_the_kinds_drawn(jumpnet, depth) -> None:
    nodes, edges = _figure(jumpnet, depth=depth)
    drawn_colors = {e[2]["color"] for e in _edges(edges)}
    kinds = [k for k, style in THEMES["color"].edges.items() if style["color"] in drawn_colors]
    legend = {nodes[n]["label"] for n in nodes if n.startswith("legend.") and n.endswith(".text")}
    ops = {jumpnet[n].op for n in nodes if n in jumpnet and nodes[n]["shape"] == "circle"}
    # the main flow needs no entry; shortcuts by kind, merges by name
    assert legend == {LEGEND_TEXT[k] for k in kinds if k != "flow"} | ops
    assert "main flow" not in legend and "skip (block)" not in legend
    assert ("skip" in kinds) == (depth > 1)  # skips hide inside blocks at depth 1
    assert "legend" not in to_dot(jumpnet, DrawOptions(depth=depth, legend=False))


def test_no_legend_where_nothing_needs_explaining(tmp_spec) -> None:
    graph = check_file(tmp_spec(net("stem { conv(8, 3x3) relu }\ntask { gap dense(3) }")))
    assert "legend" not in to_dot(graph.raise_for_errors(), DrawOptions(depth=3))


@pytest.mark.parametrize("theme", ["color", "paper"])
def test_edge_kinds_look_the_same_at_every_level(jumpnet, theme) -> None:
    look = THEMES[theme].edges
    for depth in (1, 2, 3):
        view = build_view(jumpnet, depth)
        _, edges = _figure(jumpnet, depth=depth, theme=theme)
        styles = {(e[0], e[1]): e[2] for e in _edges(edges)}
        for edge in view.edges:
            attrs = styles[(edge.tail, edge.head)]
            assert all(attrs[k] == v for k, v in look[edge.kind].items()), (depth, edge)


def test_paper_theme_is_grayscale_serif_and_thin(jumpnet) -> None:
    source = to_dot(jumpnet, DrawOptions(depth=2, theme="paper"))
    colors = set(re.findall(r"#([0-9a-fA-F]{6})", source))
    assert colors and all(c[0:2] == c[2:4] == c[4:6] for c in colors)
    font = resolve_font("Times-Roman", system=shutil.which("dot") is not None)
    assert f'fontname="{font.family}"' in source or f"fontname={font.family}" in source
    assert "Helvetica" not in source and "DejaVu" not in font.css
    assert float(THEMES["paper"].edges["flow"]["penwidth"]) < 1
    styles = {tuple(sorted(s.items())) for s in THEMES["paper"].edges.values()}
    assert len(styles) == 3  # told apart without colour


def test_color_theme_gives_each_kind_its_own_colour() -> None:
    assert len({s["color"] for s in THEMES["color"].edges.values()}) == 3


def test_fonts_are_settable(jumpnet) -> None:
    source = to_dot(jumpnet, DrawOptions(depth=1, font="Palatino", font_size=12))
    family = resolve_font("Palatino", system=True).family
    assert f"fontname={family}" in source.replace('"', "") and "fontsize=12" in source
    assert "Helvetica" not in source


def test_rankdir_lr(jumpnet) -> None:
    assert "rankdir=LR" in to_dot(jumpnet, DrawOptions(depth=1, rankdir="LR"))


# ---------------------------------------------------------------- formats and engines


def _tex_text(tex: str) -> str:
    text = re.findall(r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\};\n", tex)
    text = " ".join(text).replace("\\texttimes{}", "×")
    return text.replace("\\textperiodcentered{}", "·")


@pytest.mark.parametrize("system", [pytest.param(True, marks=needs_dot), False])
def test_tex_is_one_tikz_picture_with_every_label(jumpnet, system) -> None:
    options = DrawOptions(depth=2, params=True)
    tex = draw(jumpnet, "tex", options, system_dot=system).decode()
    assert tex.count("{") == tex.count("}")
    # nothing but the picture: no document, no package of its own
    assert re.findall(r"\\(begin|end)\{(\w+)\}", tex) == [
        ("begin", "tikzpicture"),
        ("end", "tikzpicture"),
    ]
    assert "\\usepackage" not in tex.replace("% In a paper: \\usepackage", "")
    assert "\\documentclass" not in tex
    nodes, _ = parse_dot(draw(jumpnet, "dot", options, system_dot=system).decode())
    text = _tex_text(tex)
    for node, attrs in nodes.items():
        for line in attrs.get("label", "").split("\\n"):
            assert line in text, (node, line)


def test_embedded_svg_and_png_without_system_dot(jumpnet) -> None:
    svg = draw(jumpnet, "svg", DrawOptions(depth=1), system_dot=False)
    assert svg.lstrip().startswith(b"<?xml") and b"JumpGroup" in svg
    assert b"graphviz-pure" in svg  # the embedded engine drew it
    png = draw(jumpnet, "png", DrawOptions(depth=1), system_dot=False)
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") > 100


def test_embedded_pdf_names_the_package(jumpnet) -> None:
    with pytest.raises(DrawError, match="'graphviz' system package"):
        draw(jumpnet, "pdf", DrawOptions(depth=1), system_dot=False)


@pytest.mark.parametrize(
    "fmt, system",
    [
        ("dot", None),
        ("svg", False),
        ("png", False),
        ("tex", False),
        pytest.param("svg", True, marks=needs_dot),
        pytest.param("pdf", True, marks=needs_dot),
        pytest.param("png", True, marks=needs_dot),
        pytest.param("tex", True, marks=needs_dot),
    ],
)
def test_byte_identical_on_every_run(fmt, system) -> None:
    def once() -> bytes:
        graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
        return draw(graph, fmt, DrawOptions(depth=2, params=True), system_dot=system)

    assert once() == once()


@needs_dot
def test_png_dpi_scales_the_picture(jumpnet) -> None:
    def width(data: bytes) -> int:
        return int.from_bytes(data[16:20], "big")

    small = draw(jumpnet, "png", DrawOptions(depth=1), dpi=48)
    large = draw(jumpnet, "png", DrawOptions(depth=1), dpi=192)
    assert 3.5 < width(large) / width(small) < 4.5


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.stem)
def test_every_spec_draws_both_ways(spec) -> None:
    graph = check_file(spec).raise_for_errors()
    embedded = draw(graph, "svg", system_dot=False)
    assert embedded.lstrip().startswith(b"<?xml") and b"</svg>" in embedded
    if shutil.which("dot"):
        assert draw(graph, "svg", system_dot=True).lstrip().startswith(b"<?xml")


def test_cli_without_dot_on_path(tmp_path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot there
    spec = str(SPECS / "jumpnet.jnet")

    def run(target: str) -> subprocess.CompletedProcess:
        args = [sys.executable, "-m", "jumpdsl", "draw", spec, "-o", target, "--depth", "1"]
        return subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)

    assert run(str(tmp_path / "j.svg")).returncode == 0
    assert (tmp_path / "j.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert run(str(tmp_path / "j.png")).returncode == 0
    assert (tmp_path / "j.png").read_bytes().startswith(b"\x89PNG")
    pdf = run(str(tmp_path / "j.pdf"))
    assert pdf.returncode == 2 and "apt-get install graphviz" in pdf.stderr
    assert not (tmp_path / "j.pdf").exists()


# ---------------------------------------------------------------- command line


@needs_dot
@pytest.mark.parametrize("suffix", ["svg", "pdf", "png", "dot", "tex"])
def test_cli_formats_by_suffix(tmp_path, suffix) -> None:
    target = tmp_path / f"jumpnet.{suffix}"
    assert main(["draw", str(SPECS / "jumpnet.jnet"), "-o", str(target), "--depth", "1"]) == 0
    magic = {"svg": b"<?xml", "pdf": b"%PDF", "png": b"\x89PNG", "dot": b"digraph", "tex": b"%"}
    assert target.read_bytes().startswith(magic[suffix])


def test_cli_options_reach_the_figure(tmp_path) -> None:
    target = tmp_path / "g2.dot"
    args = ["draw", str(SPECS / "jumpnet.jnet"), "-o", str(target), "--focus", "learner.group2"]
    args += ["--depth", "1", "--theme", "paper", "--params", "--rankdir", "LR", "--no-legend"]
    assert main([*args, "--font", "Palatino", "--font-size", "9", "--no-shapes", "--expand"]) == 0
    source = target.read_text()
    nodes, edges = parse_dot(source)
    assert "learner.group2.block4" in nodes and "learner.group1" not in nodes
    family = resolve_font("Palatino", system=True).family
    assert "rankdir=LR" in source and f"fontname={family}" in source.replace('"', "")
    assert "legend" not in source
    assert "params" in nodes["learner.group2.block1"]["label"]
    assert not any(e[2].get("label") for e in edges)


def test_cli_bad_focus_and_depth_are_usage_errors(tmp_path, capsys) -> None:
    spec = str(SPECS / "jumpnet.jnet")
    assert main(["draw", spec, "-o", str(tmp_path / "a.svg"), "--focus", "nowhere"]) == 2
    assert "parts: stem" in capsys.readouterr().err
    assert main(["draw", spec, "-o", str(tmp_path / "a.svg"), "--depth", "0"]) == 2


def test_cli_batch_draw(tmp_path) -> None:
    specs = [str(p) for p in ALL_SPECS]
    assert main(["draw", *specs, "-d", str(tmp_path), "--format", "dot"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.stem + ".dot" for p in ALL_SPECS)


def test_draw_never_writes_over_its_input(tmp_path, capsys) -> None:
    spec = tmp_path / "net.dot"
    spec.write_text((SPECS / "jumpnet.jnet").read_text())
    before = spec.read_bytes()
    assert main(["draw", str(spec), "-o", str(spec)]) == 2
    assert spec.read_bytes() == before
    assert "refusing to write over" in capsys.readouterr().err


def test_inline_spec_with_branches_draws(tmp_path) -> None:
    text = net(
        "stem { conv(8, 3x3) }\n"
        "learner { branch concat { { conv(4, 1x1) } { conv(4, 3x3) } }\n"
        "          skip add { conv(8, 1x1) } }\n"
        "task { gap dense(2) }"
    )
    graph = check_text(text).raise_for_errors()
    for depth in (1, 2, 3):
        nodes, _ = _figure(graph, depth=depth)
        assert "output" in nodes


# ---------------------------------------------------------------- what the user controls

HOSTILE_LABELS = [
    "</svg><script>alert(1)</script>",
    "<b>html</b>",
    "\\input{/etc/passwd} {x} % # $ _ & ^ ~ | \\",
    'q"uote\\" end\\\\',
    "\\N \\G \\l x",
]
# A 3-D figure draws no template titles: the labels of layers.
_LAYER_LABELS = [label for label in HOSTILE_LABELS if label != "<b>html</b>"]
_QUOTED = [f"'{label}'" if '"' in label else f'"{label}"' for label in HOSTILE_LABELS]
HOSTILE = (
    "network T {\n  input [3, 8, 8]\n"
    f"  block Part() {_QUOTED[1]} {{ conv(4, 3) relu }}\n"
    "  learner {\n    Part()\n"
    + "".join(f"    conv(4, 3) {label}\n" for label in (_QUOTED[0], *_QUOTED[2:]))
    + "  }\n  task { gap dense(2) }\n}\n"
)
# What tex_text may write: the escapes of special characters, nothing that reads a file.
_TEX_ESCAPES = re.compile(
    r"\\(textbackslash|textless|textgreater|textbar|texttimes|textperiodcentered|ldots"
    r"|textrightarrow)\{\}|\\[{}$&#_%]|\\[\^~]\{\}"
)
_ENGINES = [pytest.param(True, marks=needs_dot, id="system"), pytest.param(False, id="embedded")]


@pytest.fixture(scope="module")
def hostile():
    return check_text(HOSTILE).raise_for_errors()


def _texts(svg: bytes) -> list[str]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)  # well-formed, or this raises
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "b")]
    return [e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "text"]


@pytest.mark.parametrize("system", _ENGINES)
@pytest.mark.parametrize("style", ["flat", "3d"])
def test_svg_escapes_labels_and_font(hostile, system, style) -> None:
    """Labels that try to end the SVG, open a script or an HTML-like DOT label, or read as
    DOT escapes come out as the same words."""
    options = DrawOptions(depth=3, style=style)
    texts = _texts(draw(hostile, "svg", options, system_dot=system))
    for label in _LAYER_LABELS if style == "3d" else HOSTILE_LABELS:
        assert label in texts, (label, texts)


@pytest.mark.parametrize("system", _ENGINES)
def test_dot_of_hostile_labels_parses(hostile, system, tmp_path) -> None:
    source = draw(hostile, "dot", DrawOptions(depth=3), system_dot=system).decode()
    assert "label=<" not in source  # never an HTML-like label
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True)
        assert done.returncode == 0 and "syntax error" not in done.stderr, done.stderr


def _tex_unescaped(text: str) -> str:
    plain = {"textbackslash": "\\", "textless": "<", "textgreater": ">", "textbar": "|"}
    text = re.sub(r"\\(\w+)\{\}", lambda m: plain.get(m.group(1), m.group(0)), text)
    return re.sub(r"\\([{}$&#_%])|\\([\^~])\{\}", lambda m: m.group(1) or m.group(2), text)


@pytest.mark.parametrize("system", _ENGINES)
@pytest.mark.parametrize("style", ["flat", "3d"])
def test_tex_escapes_every_special_character(hostile, system, style, tmp_path) -> None:
    """No control sequence of the spec's reaches TeX (``\\input{/etc/passwd}`` is text), and
    the text reads back as the label; where pdflatex is installed the picture compiles and
    reads no file it should not."""
    tex = draw(hostile, "tex", DrawOptions(depth=3, style=style), system_dot=system).decode()
    texts = re.findall(r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\};\n", tex)
    for text in texts:
        assert not re.sub(_TEX_ESCAPES, "", text).count("\\"), text
    shown = [_tex_unescaped(t) for t in texts]
    for label in _LAYER_LABELS:
        assert label in shown, (label, shown)
    if shutil.which("pdflatex") is None:
        return
    (tmp_path / "fig.tex").write_text(tex)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{tikz}"
        "\\begin{document}\\input{fig.tex}\\end{document}\n"
    )
    args = ["pdflatex", "-recorder", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "/etc/passwd" not in (tmp_path / "doc.fls").read_text()
    assert "Undefined control sequence" not in done.stdout


def test_a_font_name_that_would_quote_or_mark_up_is_refused(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(HOSTILE)
    for font in ('Hel"vetica', "a<b>", "x\\1", "a&b"):
        assert main(["draw", str(spec), "--font", font, "-o", str(tmp_path / "f.svg")]) == 2
        assert "a font family's name has" in capsys.readouterr().err
    assert not (tmp_path / "f.svg").exists()
    with pytest.raises(ValueError, match="font family"):
        DrawOptions(font='"')


# ---------------------------------------------------------------- in a notebook


def test_jumpdsl_draw_shows_inline_and_is_the_cli_figure(tmp_path) -> None:
    import jumpdsl

    figure = jumpdsl.draw(SPECS / "jumpnet.jnet", depth=1)
    svg = figure._repr_svg_()  # what Jupyter shows inline
    assert svg == figure.svg and "<svg" in svg and "learner" in svg
    cli = tmp_path / "c.svg"
    assert main(["draw", str(SPECS / "jumpnet.jnet"), "--depth", "1", "-o", str(cli)]) == 0
    assert figure.save(tmp_path / "a.svg").read_bytes() == cli.read_bytes()


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("dot", b"digraph"), ("tex", b"%")])
def test_jumpdsl_draw_saves_in_the_format_its_suffix_names(tmp_path, suffix, magic) -> None:
    import jumpdsl

    target = jumpdsl.draw("resnet18", depth=1).save(tmp_path / f"r.{suffix}")
    assert target.read_bytes().lstrip().startswith(magic)


@pytest.mark.skipif(shutil.which("dot") is None, reason="PDF needs the system's Graphviz")
def test_jumpdsl_draw_saves_pdf(tmp_path) -> None:
    import jumpdsl

    assert jumpdsl.draw("resnet18", depth=1).save(tmp_path / "r.pdf").read_bytes()[:4] == b"%PDF"


def test_jumpdsl_draw_takes_text_and_refuses_an_unknown_suffix(tmp_path) -> None:
    import jumpdsl

    figure = jumpdsl.draw(net("stem { conv(4, 3x3) } task { gap dense(2) }"), theme="paper")
    assert "conv" in figure.svg
    with pytest.raises(ValueError, match="the suffix picks the format"):
        figure.save(tmp_path / "net.jpeg")
    assert not (tmp_path / "net.jpeg").exists()


def test_jumpdsl_draw_never_writes_over_its_spec(tmp_path) -> None:
    import jumpdsl
    from jumpdsl.fileio import OverwriteInputError

    spec = tmp_path / "net.dot"  # a spec whose name ends like a figure's
    spec.write_text(net("task { gap dense(2) }"), encoding="utf-8")
    with pytest.raises(OverwriteInputError):
        jumpdsl.draw(spec).save(spec)
    assert spec.read_text(encoding="utf-8").startswith("network T")


# A stand-in for Graphviz 2.43's `dot` where it gives up: it fails as that version does until
# the options it is run with avoid the failure, and logs every try.
_FAKE_DOT = """#!{python}
import sys
args = sys.argv[1:]
source = sys.stdin.read()
open({log!r}, "a").write(" ".join(args) + "\\n")
if "group=" in source and "init_rank" in {fails!r}:
    sys.exit("trouble in init_rank")
if "-Gsplines=line" not in args and "routing" in {fails!r}:
    sys.exit("libpath/shortest.c:324: triangulation failed\\nError: lost a b edge")
sys.stdout.write("<svg/>")
"""


@pytest.mark.parametrize(
    ("fails", "tries"),
    [
        ("", ["-Tsvg"]),
        ("init_rank", ["-Tsvg", "-Tsvg -Gsplines=polyline"]),
        ("routing", ["-Tsvg", "-Tsvg -Gsplines=line"]),
        ("init_rank routing", ["-Tsvg", "-Tsvg -Gsplines=polyline", "-Tsvg -Gsplines=line"]),
    ],
)
def test_a_layout_dot_gives_up_on_is_retried_with_fewer_hints(
    fails, tries, tmp_path, monkeypatch
) -> None:
    from jumpdsl.backends.graphviz_render import render

    log = tmp_path / "tries.log"
    fake = tmp_path / "dot"
    fake.write_text(_FAKE_DOT.format(python=sys.executable, log=str(log), fails=fails))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    source = "digraph { a [shape=box group=spine] b [shape=box group=spine] a -> b }"
    out = render(source, "svg", system_dot=True)
    assert out == b"<svg/>"
    assert log.read_text().splitlines() == tries


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("name", ["googlenet", "inception_v3"])
def test_inception_draws_at_every_depth(name) -> None:
    # Graphviz 2.43's router fails on their branch arms at depth 3; the drawing still comes.
    graph = check_file(ROOT / "jumpdsl" / "zoo" / f"{name}.jnet").raise_for_errors()
    for depth in (1, 2, 3):
        assert draw(graph, "svg", DrawOptions(depth=depth)).lstrip().startswith(b"<")
