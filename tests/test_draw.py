"""Drawing: clusters, edge styles by kind, shapes on edges, formats, determinism, no overwrite."""

from __future__ import annotations

import shutil

import pytest
from conftest import SPECS

from jumpdsl.api import check_file
from jumpdsl.backends.graphviz_dot import EDGE_STYLES, DrawOptions, render, to_dot
from jumpdsl.cli import main


@pytest.fixture(scope="module")
def jumpnet_dot() -> str:
    return to_dot(check_file(SPECS / "jumpnet.jnet").raise_for_errors())


def test_clusters_for_sections_groups_and_blocks(jumpnet_dot: str) -> None:
    for cluster in (
        "cluster_stem",
        '"cluster_learner.group2"',
        '"cluster_learner.group2.block4"',
        "cluster_task",
    ):
        assert f"subgraph {cluster}" in jumpnet_dot
    assert 'label="group2: JumpGroup(64, 4, 1)"' in jumpnet_dot


def test_edges_styled_by_kind_with_shapes(jumpnet_dot: str) -> None:
    jump = [line for line in jumpnet_dot.splitlines() if "jump1.bn1" in line and "->" in line]
    assert jump and EDGE_STYLES["jump"]["color"] in jump[0]
    skip = [
        line
        for line in jumpnet_dot.splitlines()
        if '-> "learner.group1.block1.add1"' in line and "style=dashed" in line
    ]
    assert skip and 'label="32×32×32"' in skip[0]
    assert len({s["color"] for s in EDGE_STYLES.values()}) == 3


def test_no_shapes_option() -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    assert '×32×32"' not in to_dot(graph, DrawOptions(shapes=False)).split("->", 1)[1]


def test_deterministic(jumpnet_dot: str) -> None:
    again = to_dot(check_file(SPECS / "jumpnet.jnet").raise_for_errors())
    assert again == jumpnet_dot


def test_embedded_svg_without_system_dot(jumpnet_dot: str) -> None:
    svg = render(jumpnet_dot, "svg", system_dot=False)
    assert svg.lstrip().startswith(b"<?xml") and b"JumpGroup" in svg


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("suffix", ["svg", "pdf", "png", "dot"])
def test_cli_formats_by_suffix(tmp_path, suffix) -> None:
    target = tmp_path / f"jumpnet.{suffix}"
    assert main(["draw", str(SPECS / "jumpnet.jnet"), "-o", str(target)]) == 0
    data = target.read_bytes()
    magic = {"svg": b"<?xml", "pdf": b"%PDF", "png": b"\x89PNG", "dot": b"digraph"}[suffix]
    assert data.startswith(magic)


def test_cli_batch_draw(tmp_path) -> None:
    specs = [str(p) for p in sorted(SPECS.glob("*.jnet"))]
    assert main(["draw", *specs, "-d", str(tmp_path), "--format", "dot"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.replace(".jnet", ".dot").rsplit("/", 1)[1] for p in specs
    )


def test_draw_never_writes_over_its_input(tmp_path, capsys) -> None:
    spec = tmp_path / "net.dot"
    spec.write_text((SPECS / "jumpnet.jnet").read_text())
    before = spec.read_bytes()
    assert main(["draw", str(spec), "-o", str(spec)]) == 2
    assert spec.read_bytes() == before
    assert "refusing to write over" in capsys.readouterr().err


def test_pdf_without_system_dot_names_the_package() -> None:
    with pytest.raises(Exception, match="graphviz"):
        render("digraph { a -> b }", "pdf", system_dot=False)
