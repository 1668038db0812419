"""Figures a paper prints as they come: sized for a column (width, smallest text, no margin,
folding), the real fonts' widths, paper-language labels and the spec's own labels, ×n collapse,
branch order, conv folding, TikZ that drops into a two-column article, the 3-D style, and the
embedded Graphviz without the system's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ALL_SPECS, ROOT, SPECS, ZOO_SPECS, net, spec_file
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.draw import DrawOptions, draw, draw_figure
from jumpdsl.backends.draw_3d import cuboid_size
from jumpdsl.backends.draw_fit import smallest_text
from jumpdsl.backends.draw_fonts import resolve_font
from jumpdsl.backends.draw_labels import paper_call
from jumpdsl.backends.draw_view import build_view
from jumpdsl.backends.graphviz_dot import Fit, build_dot
from jumpdsl.backends.graphviz_render import layout
from jumpdsl.cli import main
from jumpdsl.formatting import format_source
from jumpdsl.ops.core import format_shape
from jumpdsl.passes.shapes import Shapes
from jumpdsl.source import SourceFile
from jumpdsl.zoo import spec_and_params

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="needs Graphviz's dot")
needs_latex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
COLUMN = 3.3 * 72
PAGE = 7 * 72
_SVG = "{http://www.w3.org/2000/svg}"


def _graph(name: str):
    """A spec of specs/ by its file's stem, or a zoo model by its name."""
    path = spec_file(f"{name}.jnet")
    found = (path, {}) if path.is_file() else spec_and_params(name)
    return check_file(*found).raise_for_errors()


def _svg_size_and_fonts(svg: bytes) -> tuple[float, float, float]:
    """Width and height (pt) of an SVG as it prints, and its smallest text (pt)."""
    root = ET.fromstring(svg)
    width, height = (float(root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
    view = [float(v) for v in root.get("viewBox", "0 0 1 1").split()]
    scale = width / view[2]
    sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{_SVG}text") if t.text]
    return width, height, min(sizes) * scale


# ---------------------------------------------------------------- sized for print

FITTING = [
    ("jumpnet", 1),
    ("jumpnet", 2),
    ("jumpnet", 3),
    ("resnet50", 1),
    ("resnet50", 2),
    ("resnet50", 3),
    ("densenet121", 1),
    ("densenet121", 2),
    ("densenet121", 3),
    ("jumpnet152", 1),
    ("jumpnet152", 2),
    ("jumpnet152", 3),
]


@pytest.mark.parametrize("name, depth", FITTING, ids=lambda v: str(v))
def test_a_column_figure_fits_with_no_text_under_the_minimum(name, depth) -> None:
    options = DrawOptions(depth=depth, theme="paper", width=COLUMN, min_font=6)
    figure = draw_figure(_graph(name), "svg", options)
    width, _, smallest = _svg_size_and_fonts(figure.data)
    assert figure.fits and width <= COLUMN + 0.5, (width, COLUMN)
    assert smallest >= 6 - 0.01 and figure.smallest is not None and figure.smallest >= 6 - 0.01


def test_what_cannot_fit_says_so(tmp_path, capsys) -> None:
    spec = str(ZOO_SPECS / "resnet.jnet")  # resnet50
    target = str(tmp_path / "r.svg")
    assert main(["draw", spec, "-o", target, "--depth", "3", "--width", "1in"]) == 0
    assert "wider than --width 1.00 in even at --min-font 6 pt" in capsys.readouterr().out


def test_the_width_shrinks_text_only_to_the_minimum() -> None:
    graph = _graph("jumpnet")
    wide = draw_figure(graph, "svg", DrawOptions(depth=1, theme="paper", width=PAGE))
    narrow = draw_figure(graph, "svg", DrawOptions(depth=1, theme="paper", width=2.5 * 72))
    assert wide.smallest is not None and narrow.smallest is not None
    assert narrow.smallest < wide.smallest and narrow.smallest >= 6 - 0.01
    assert narrow.width is not None and narrow.width <= 2.5 * 72 + 0.5


@pytest.mark.parametrize("text, points", [("3.3in", 237.6), ("8.5cm", 240.94), ("240pt", 239.1)])
def test_widths_in_units_and_by_name(tmp_path, capsys, text, points) -> None:
    from jumpdsl.cli.draw import length

    assert length(text, "--width") == pytest.approx(points, abs=0.01)
    assert length("column", "--width") == pytest.approx(COLUMN)
    assert length("page", "--width") == pytest.approx(PAGE)
    assert (
        main(["draw", str(SPECS / "jumpnet.jnet"), "-o", str(tmp_path / "a.svg"), "--width", "x"])
        == 2
    )
    assert "give a length" in capsys.readouterr().err


def test_a_tall_flow_folds_into_columns_rather_than_shrink() -> None:
    graph = _graph("jumpnet152")
    options = DrawOptions(depth=2, theme="paper", width=PAGE)
    folded = draw_figure(graph, "svg", options)
    unfolded = DrawOptions(depth=2, theme="paper", width=PAGE, height=10_000.0)
    whole = draw_figure(graph, "svg", unfolded)
    assert folded.columns == 2 and folded.fits
    assert folded.height is not None and folded.height <= 9 * 72  # a page
    assert whole.height is not None and whole.height > 9 * 72
    # the flow still runs through every column: one continuation point per extra column
    source = draw(graph, "dot", options).decode()
    assert source.count('"cont.1"') >= 2 and '"cont.2"' not in source


def test_a_long_left_to_right_flow_folds_into_rows() -> None:
    graph = _graph("jumpnet")
    options = DrawOptions(depth=1, theme="paper", rankdir="LR", width=PAGE)
    figure = draw_figure(graph, "svg", options)
    unfolded = DrawOptions(depth=1, theme="paper", rankdir="LR", width=100 * 72)
    one_row = draw_figure(graph, "svg", unfolded)
    assert one_row.columns == 1 and one_row.width is not None and one_row.width > PAGE
    assert figure.columns > 1 and figure.fits
    assert figure.smallest is not None and figure.smallest >= 8 * 0.9 - 0.01  # not shrunk


@needs_dot
def test_no_outer_margin_in_a_pdf() -> None:
    graph = _graph("jumpnet")
    options = DrawOptions(depth=1, theme="paper", width=COLUMN)
    pdf = draw(graph, "pdf", options)
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    figure = draw_figure(graph, "svg", options)
    assert figure.width is not None
    assert abs(float(box.group(1)) - figure.width) < 3  # was 72 pt wider: 36 pt a side


# ---------------------------------------------------------------- fonts


@needs_dot
def test_paper_font_names_resolve_to_a_real_times() -> None:
    font = resolve_font("Times-Roman", system=True)
    twins = ("Nimbus Roman", "TeX Gyre Termes", "Liberation Serif", "Tinos", "Times")
    if not any(t in font.css for t in twins):
        pytest.skip("no Times twin installed here")
    assert "DejaVu" not in font.css and font.source.endswith((".otf", ".ttf", ".pfb", ".t1"))


def test_without_fontconfig_the_tables_stand_in() -> None:
    font = resolve_font("Times", system=False)
    assert font.source == "table:serif" and font.family == "Times"
    sans = resolve_font("Helvetica", system=False)
    assert sans.width("mmmm", 10) > font.width("mmmm", 10) * 0.95  # two real tables


@pytest.mark.parametrize("system", [pytest.param(True, marks=needs_dot), False])
def test_text_fits_its_box_as_graphviz_measures_it(system) -> None:
    graph = _graph("resnet50")
    source, _ = build_dot(graph, DrawOptions(depth=2, theme="paper"), fit=Fit(8), system=system)
    placed = layout(source, system_dot=system)
    checked = 0
    for obj in placed["objects"]:
        if "pos" not in obj or obj.get("shape") not in ("box", "plaintext"):
            continue
        widths = [op["width"] for op in obj.get("_ldraw_", []) if op["op"] == "T"]
        if widths:
            assert max(widths) <= float(obj["width"]) * 72 + 0.5, obj["name"]
            checked += 1
    assert checked > 20


# ---------------------------------------------------------------- paper language


def test_labels_leave_out_defaults_and_what_the_title_says() -> None:
    graph = _graph("resnet50")
    scopes = graph.scopes
    assert paper_call(scopes["learner.group1"]) == "ResNetLayer(64, 3)"  # stride=1
    assert paper_call(scopes["learner.group2"]) == "ResNetLayer(128, 4, 2)"
    assert paper_call(scopes["learner.group2.block1"]) == "Bottleneck"  # f, stride: the title's
    assert paper_call(scopes["stem.block1"]) == "ResNetStem"  # not ResNetStem()
    mobile = _graph("mobilenet_v2").scopes
    assert paper_call(mobile["learner.block1"]) == "InvertedResidual(16, t=1)"
    dot = draw(graph, "dot", DrawOptions(depth=2)).decode()
    assert "block1:" not in dot and "()" not in dot


def test_spec_labels_name_layers_and_instances(tmp_spec) -> None:
    head = 'block Unit(f: int) "unit" { conv(f, 3x3) "3×3 conv" relu }'
    body = 'stem { Unit(8) Unit(8) "the second" }\ntask { gap dense(2) }'
    graph = check_file(tmp_spec(net(body, head=head))).raise_for_errors()
    assert graph.scopes["stem.block1"].label == "unit"
    assert graph.scopes["stem.block2"].label == "the second"
    labels = draw(graph, "dot", DrawOptions(depth=3)).decode()
    assert labels.count("3×3 conv") == 2 and "conv 3×3, 8" not in labels
    assert '"the second"' in labels and "label=unit" in labels


def test_spec_labels_format_and_keep_their_meaning() -> None:
    text = 'network N {\n    input [3, 8, 8]\n    stem { conv(8, 3x3) "first" }\n}\n'
    assert format_source(SourceFile("a.jnet", text)).text == text
    again = 'block B(f: int) "a block" {\n    conv(f, 1x1)\n}\n'
    assert format_source(SourceFile("b.jnet", again)).text == again
    messy = 'block B(f:int)"a block"{conv(f,1x1) "one"}\n'
    assert (
        format_source(SourceFile("c.jnet", messy)).text
        == 'block B(f: int) "a block" { conv(f, 1x1) "one" }\n'
    )


@pytest.mark.parametrize(
    "label", ['say "hi"', "back\\slash", "{brace}", "\\input{x}", "</svg><script>x</script>"]
)
def test_spec_labels_are_escaped_in_every_format(tmp_spec, label) -> None:
    quote = "'" if '"' in label else '"'
    graph = check_text(net(f"stem {{ conv(8, 3x3) {quote}{label}{quote} }}")).raise_for_errors()
    svg = draw(graph, "svg", DrawOptions(depth=3), system_dot=False)
    ET.fromstring(svg)  # still one well-formed SVG: no element of the label's
    texts = [t.text for t in ET.fromstring(svg).iter(f"{_SVG}text")]
    assert label in texts
    tex = draw(graph, "tex", DrawOptions(depth=3), system_dot=False).decode()
    assert "\\input{x}" not in tex and tex.count("{") == tex.count("}")
    assert "\\begin{tikzpicture}" in tex


def test_one_meaning_of_depth_in_every_section() -> None:
    mobile = _graph("mobilenet_v2")
    one = {n.id for n in build_view(mobile, 1).nodes.values() if n.role == "box"}
    assert one == {"stem", "learner", "task"}  # no groups: the learner is one box
    two = build_view(mobile, 2)
    assert all(n.role != "layer" for n in two.nodes.values() if n.id.startswith("stem"))
    assert any(n.id.startswith("learner.block") and n.role == "box" for n in two.nodes.values())
    resnet = build_view(_graph("resnet50"), 2)
    assert resnet.nodes["stem"].role == "box"  # its ResNetStem is its one block


def test_collapse_marks_the_count_and_the_shape_that_leaves_the_run() -> None:
    graph = _graph("densenet121")
    nodes = {}
    for line in draw(graph, "dot", DrawOptions(depth=2)).decode().splitlines():
        match = re.match(r'\s*"?([\w.]+)"? -> "?([\w.]+)"? \[label="?([^" ]*)"?', line)
        if match:
            nodes[(match.group(1), match.group(2))] = match.group(3)
    assert "DenseLayer ×6" in draw(graph, "dot", DrawOptions(depth=2)).decode()
    # 64 channels + 6 layers of 32: the tensor leaving the run has 256
    last = graph.get(Shapes, "learner.group1.block6.concat1").shape
    assert format_shape(last) in nodes.values() and last[0] == 256
    expanded = draw(graph, "dot", DrawOptions(depth=2, collapse=False)).decode()
    assert "×6" not in expanded and "learner.group1.block6" in expanded


def test_branch_arms_left_to_right_in_concat_order() -> None:
    text = net(
        "stem { conv(8, 3x3) }\n"
        "learner { branch concat { { conv(4, 1x1) } { conv(6, 3x3) relu } { maxpool(3x3, "
        "stride=1, padding=1) conv(2, 1x1) } } }\n"
        "task { gap dense(2) }"
    )
    graph = check_text(text).raise_for_errors()
    for system in [False, *([True] if HAVE_DOT else [])]:
        source, _ = build_dot(graph, DrawOptions(depth=3), fit=Fit(8), system=system)
        placed = layout(source, system_dot=system)
        x = {o["name"]: float(o["pos"].split(",")[0]) for o in placed["objects"] if "pos" in o}
        firsts = [
            f"learner.branch1.arm{i}.{op}1" for i, op in ((1, "conv"), (2, "conv"), (3, "maxpool"))
        ]
        assert [x[n] for n in firsts] == sorted(x[n] for n in firsts), system


def test_fold_convs_draws_each_conv_with_its_bn_and_relu() -> None:
    graph = _graph("jumpnet")
    view = build_view(graph, 3, fold=True)
    runs = [n for n in view.nodes.values() if n.id.startswith("learner.group1.block1.")]
    boxes = [n for n in runs if n.role == "run"]
    assert [tuple(graph[m].op for m in n.members) for n in boxes] == [("bn", "relu", "conv")] * 3
    plain = build_view(graph, 3)
    assert len(plain.nodes) > len(view.nodes)


def test_fold_convs_takes_the_other_norms_and_activations_too() -> None:
    body = "stem { conv(8, 3x3) groupnorm(2) prelu conv(8, 3x3) instancenorm mish shift(1) }"
    graph = check_text(net(body)).raise_for_errors()
    boxes = [n for n in build_view(graph, 3, fold=True).nodes.values() if n.role == "run"]
    assert [tuple(graph[m].op for m in n.members) for n in boxes] == [
        ("conv", "groupnorm", "prelu"),
        ("conv", "instancenorm", "mish"),
    ]


# ---------------------------------------------------------------- TikZ in a paper


def _compile(folder: Path, body: str) -> str:
    (folder / "paper.tex").write_text(body, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=folder,
        capture_output=True,
        timeout=300,
    )
    log = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, log[-3000:]
    return log


def test_two_figures_have_their_own_colour_names_inside_their_pictures() -> None:
    a = draw(_graph("jumpnet"), "tex", DrawOptions(depth=1, theme="paper")).decode()
    b = draw(_graph("resnet50"), "tex", DrawOptions(depth=2)).decode()
    names = [set(re.findall(r"\\definecolor\{(\w+)\}", t)) for t in (a, b)]
    assert names[0] and names[1] and not names[0] & names[1]
    for tex in (a, b):
        assert tex.index("\\begin{tikzpicture}") < tex.index("\\definecolor")
        assert "\\usepackage" not in tex.split("\n", 3)[-1] and "lmodern" not in tex


@needs_latex
def test_two_figures_in_a_two_column_times_article(tmp_path) -> None:
    column = 229.5  # article's \columnwidth with twocolumn, in TeX points
    width = column * 72 / 72.27
    for name, spec, depth in (("a", "jumpnet", 1), ("b", "resnet50", 2)):
        options = DrawOptions(depth=depth, theme="paper", width=width)
        (tmp_path / f"{name}.tex").write_bytes(draw(_graph(spec), "tex", options))
    log = _compile(
        tmp_path,
        "\\documentclass[twocolumn]{article}\n\\usepackage{times}\n\\usepackage{tikz}\n"
        "\\begin{document}\nText.\n"
        "\\begin{figure}\\centering\\input{a.tex}\\caption{A.}\\end{figure}\n"
        "\\begin{figure}\\centering\\input{b.tex}\\caption{B.}\\end{figure}\n"
        "\\setbox0\\hbox{\\input{a.tex}}\\typeout{WIDTH a \\the\\wd0}\n"
        "\\setbox0\\hbox{\\input{b.tex}}\\typeout{WIDTH b \\the\\wd0}\n"
        "\\typeout{COLUMN \\the\\columnwidth}\n\\end{document}\n",
    )
    widths = [float(w) for w in re.findall(r"WIDTH \w ([\d.]+)pt", log)]
    assert f"COLUMN {column}pt" in log and len(widths) == 2
    assert all(w <= column for w in widths), widths
    assert "Overfull \\hbox" not in log
    if shutil.which("pdffonts") is None:
        return
    fonts = subprocess.run(["pdffonts", "paper.pdf"], cwd=tmp_path, capture_output=True, text=True)
    if fonts.returncode == 0:
        assert "NimbusRom" in fonts.stdout or "Times" in fonts.stdout  # the paper's own font
        assert "LMRoman" not in fonts.stdout


@needs_latex
@pytest.mark.slow
def test_every_spec_at_every_depth_compiles(tmp_path) -> None:
    names = []
    for spec in ALL_SPECS:
        graph = check_file(spec).raise_for_errors()
        for depth in (1, 2, 3):
            name = f"{spec.stem.replace('_', '')}{depth}"
            (tmp_path / f"{name}.tex").write_bytes(draw(graph, "tex", DrawOptions(depth=depth)))
            names.append(name)
    # the largest picture there is: every layer of JumpNet-152, nothing collapsed (60 in tall)
    huge = DrawOptions(depth=3, collapse=False)
    (tmp_path / "huge.tex").write_bytes(draw(_graph("jumpnet152"), "tex", huge))
    (tmp_path / "cube.tex").write_bytes(draw(_graph("resnet50"), "tex", DrawOptions(style="3d")))
    names += ["huge", "cube"]
    inputs = "".join(f"\\input{{{n}.tex}}\\clearpage\n" for n in names)
    log = _compile(
        tmp_path,
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        f"{inputs}\\end{{document}}\n",
    )
    assert "Dimension too large" not in log and "Output written on paper.pdf" in log


# ---------------------------------------------------------------- the 3-D style


def test_cuboids_grow_with_the_tensor_but_stay_readable() -> None:
    small, large = cuboid_size((64, 7, 7)), cuboid_size((64, 224, 224))
    assert small[1] < large[1] and small[2] < large[2]  # height and depth: the map
    assert cuboid_size((16, 28, 28))[0] < cuboid_size((1024, 28, 28))[0]  # thickness: channels
    assert large[1] / small[1] < 3  # a log scale, not 32 times the height
    assert cuboid_size((100000, 4096, 4096)) == cuboid_size((10**9, 10**6, 10**6))  # clamped


@pytest.mark.parametrize("fmt", ["svg", "tex"])
def test_3d_draws_every_spine_node_and_every_shortcut(fmt) -> None:
    graph = _graph("resnet50")
    options = DrawOptions(depth=2, style="3d")
    data = draw(graph, fmt, options).decode()
    view = build_view(graph, 2)
    boxes = [n for n in view.nodes.values() if n.spine and n.role not in ("merge", "output")]
    skips = [e for e in view.edges if e.kind == "skip" and view.nodes[e.head].spine]
    if fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag == f"{_SVG}svg"
        faces = root.findall(f".//{_SVG}polygon[@stroke-width]")
        behind = sum(min(n.count - 1, 2) for n in boxes)  # ×n: outlines stacked behind
        assert len(faces) == 3 * len(boxes) + behind
        dashed = root.findall(f".//{_SVG}path[@stroke-dasharray]")
        assert len(dashed) == len(skips)
        assert "conv 1×1, 256 · bn" in data  # the projection, written on its arc
    else:
        assert data.count("\\begin{tikzpicture}") == 1 and "dashed" in data


def test_3d_sizes_by_the_tensor_in_the_picture() -> None:
    graph = _graph("resnet50")
    svg = draw(graph, "svg", DrawOptions(depth=1, style="3d"))
    heights = []
    for poly in ET.fromstring(svg).iter(f"{_SVG}polygon"):
        points = [tuple(map(float, p.split(","))) for p in poly.get("points", "").split()]
        if len(points) == 4 and points[0][1] == points[1][1] and points[0][0] == points[3][0]:
            heights.append(abs(points[2][1] - points[0][1]))
    # the input (224×224) is the tallest box; the task's vector the lowest
    assert heights and heights[0] == max(heights)


def test_3d_fits_the_width_with_readable_text() -> None:
    figure = draw_figure(_graph("jumpnet"), "svg", DrawOptions(depth=2, style="3d", width=COLUMN))
    width, _, smallest = _svg_size_and_fonts(figure.data)
    assert width <= COLUMN + 0.5 and smallest >= 6 - 0.01


def test_3d_makes_svg_and_tex_only() -> None:
    from jumpdsl.backends.draw import DrawError

    with pytest.raises(DrawError, match=r"3d draws \.svg and \.tex"):
        draw(_graph("jumpnet"), "png", DrawOptions(style="3d"))


# ---------------------------------------------------------------- without the system's Graphviz


def test_cli_embedded_engine_with_system_dot_hidden(tmp_path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot, no fc-match there
    spec = str(SPECS / "jumpnet.jnet")
    for suffix in ("svg", "png", "tex"):
        target = tmp_path / f"j.{suffix}"
        args = [sys.executable, "-m", "jumpdsl", "draw", spec, "-o", str(target), "--depth", "2"]
        args += ["--engine", "embedded", "--width", "column", "--theme", "paper"]
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert "in, text ≥" in done.stdout
    svg = (tmp_path / "j.svg").read_bytes()
    width, _, smallest = _svg_size_and_fonts(svg)
    assert width <= COLUMN + 0.5 and smallest >= 6 - 0.01
    assert (tmp_path / "j.png").read_bytes().startswith(b"\x89PNG")


def test_embedded_layout_keeps_text_inside_boxes() -> None:
    graph = _graph("jumpnet152")
    source, _ = build_dot(graph, DrawOptions(depth=3, theme="paper"), fit=Fit(8), system=False)
    placed = json.loads(json.dumps(layout(source, system_dot=False)))
    assert smallest_text(placed) == pytest.approx(7.2)
    for obj in placed["objects"]:
        widths = [op["width"] for op in obj.get("_ldraw_", []) if op["op"] == "T"]
        if widths and obj.get("shape") == "box":
            assert max(widths) <= float(obj["width"]) * 72 + 0.5, obj["name"]


@pytest.mark.parametrize("fmt", ["svg", "tex"])
def test_3d_is_byte_identical_on_every_run(fmt) -> None:
    def once() -> bytes:
        return draw(_graph("jumpnet"), fmt, DrawOptions(depth=2, style="3d", width=COLUMN))

    assert once() == once()


def test_3d_never_goes_under_the_minimum_and_says_when_it_cannot_fit(tmp_path) -> None:
    # JumpNet at depth 3: its jump arcs span whole groups, so rows cannot break enough.
    figure = draw_figure(_graph("jumpnet"), "svg", DrawOptions(depth=3, style="3d", width=COLUMN))
    width, _, smallest = _svg_size_and_fonts(figure.data)
    assert smallest >= 6 - 0.01 and width > COLUMN and not figure.fits
    target = tmp_path / "j3.svg"
    args = ["draw", str(SPECS / "jumpnet.jnet"), "--style", "3d", "--depth", "3"]
    done = subprocess.run(
        [sys.executable, "-m", "jumpdsl", *args, "--width", "column", "-o", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0 and "wider than --width 3.30 in even at --min-font 6" in done.stdout
