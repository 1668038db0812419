#!/usr/bin/env bash
# Redraws every picture in README.md and docs/ (drawing.md, zoo.md) with the commands the docs
# show. The "before" pictures in docs/images/before/ were drawn by the code before issue 14
# (commit 177cf12) and are not redrawn here. Needs Graphviz's dot and, for the TikZ page,
# pdflatex and pdftoppm; SVGs are looked at through rsvg-convert where it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
draw() { "$PY" -m jumpdsl draw "$@"; }
I=docs/images

draw specs/jumpnet.jnet -o $I/jumpnet.svg --depth 1 --width column          # README's picture
draw specs/jumpnet.jnet -o $I/jumpnet-depth1.png --depth 1 --width column --dpi 150
draw specs/jumpnet.jnet -o $I/jumpnet-depth2.png --depth 2 --width column --dpi 150
draw specs/jumpnet.jnet -o $I/jumpnet-depth3.svg --depth 3
draw specs/jumpnet.jnet -o $I/jumpnet-group1.png --depth 3 --focus learner.group1 --dpi 150
draw specs/jumpnet.jnet -o $I/jumpnet-paper-lr.png --depth 1 --theme paper --rankdir LR --params --width page --dpi 150
draw resnet50 -o $I/resnet50-depth2.png --depth 2 --theme paper --width column --dpi 150
draw specs/jumpnet.jnet -o $I/jumpnet-folded.png --depth 3 --fold-convs --theme paper --width page --dpi 110
draw specs/jumpnet.jnet -o $I/jumpnet-3d.svg --style 3d --depth 2 --width page
draw resnet50 -o $I/resnet50-3d.svg --style 3d --depth 2 --theme paper --width page
for svg in $I/zoo/*.svg; do   # the zoo's pictures: a spec of specs/ by its file, else a zoo name
    name=$(basename "$svg" .svg)
    spec=$name
    [ -f "specs/$name.jnet" ] && spec=specs/$name.jnet
    draw "$spec" -o "$svg" --depth 1 --width column
done

# The TikZ figures in a two-column article set in Times, as a paper would have them.
TMP=$(mktemp -d)
draw specs/jumpnet.jnet -o "$TMP/jumpnet.tex" --depth 1 --theme paper --width 229.5pt
draw resnet50 -o "$TMP/resnet50.tex" --depth 1 --theme paper --width 229.5pt
cat > "$TMP/paper.tex" <<'TEX'
\documentclass[twocolumn]{article}
\usepackage{times}
\usepackage{tikz}
\pagestyle{empty}
\begin{document}
\section{Networks}
JumpNet joins each group's projected input to its output; ResNet-50 adds it. The figures are
\texttt{jumpdsl draw} output, put in with \texttt{\string\input} and set in this paper's Times.
\begin{figure}[t]\centering\input{jumpnet.tex}\caption{JumpNet, depth 1.}\end{figure}
\begin{figure}[t]\centering\input{resnet50.tex}\caption{ResNet-50, depth 1.}\end{figure}
\end{document}
TEX
(cd "$TMP" && pdflatex -interaction=nonstopmode -halt-on-error paper.tex >/dev/null)
pdftoppm -png -r 90 -singlefile "$TMP/paper.pdf" $I/jumpnet-tikz
rm -rf "$TMP"
