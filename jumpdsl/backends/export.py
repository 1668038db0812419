"""Exports of a checked network, picked by the file suffix: ``.py``, ``.onnx``, ``.pt2``.

``.py`` is standalone source (:mod:`jumpdsl.backends.export_py`); ``.onnx`` comes from
``torch.onnx.export`` (the dynamo exporter; needs ``onnxscript``) and is validated by the ONNX
checker when ``onnx`` is installed; ``.pt2`` is a ``torch.export`` program. Both traced formats
hold the weights, are traced in eval mode and keep the batch axis dynamic. Each returns bytes:
the caller writes them atomically.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from jumpdsl.backends.export_py import ExportError, TrainedSource, python_source
from jumpdsl.backends.inference import inference_module
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.backends.trained import Trained, with_input_normalization
from jumpdsl.ir.graph import Graph
from jumpdsl.train.checkpoint import fit_weights

__all__ = ["FORMATS", "ExportError", "export_bytes", "trained_weights"]

_EXAMPLE_BATCH = 2  # a batch of 1 would be specialised into the traced program


@dataclass(frozen=True)
class _Job:
    seed: int | None
    origin: str
    inference: bool
    trained: Trained | None
    weights_file: str = "model.pt"  # a trained .py's weights, beside it


def _example(graph: Graph, job: _Job) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    weights = job.trained.weights if job.trained is not None else None
    module: torch.fx.GraphModule
    if job.inference:
        module = inference_module(graph, seed=job.seed, weights=weights, portable=True)
    else:
        module = build_module(graph, seed=job.seed).eval()
        if weights is not None:
            fit_weights(module, weights)
    if job.trained is not None:
        module = with_input_normalization(module, job.trained.normalization)
    return module, (torch.randn(_EXAMPLE_BATCH, *graph.input_shape),)


def _dynamic_batch() -> dict[str, Any]:
    return {"x": {0: torch.export.Dim("batch")}}


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep torch's exporter chatter (log records, deprecation warnings) off the user's screen."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _tracing(graph: Graph, exporter: str) -> Iterator[None]:
    """A traced export of a network with plugin ops may fail on those ops: then it is the
    plugin's limit, said in an ExportError (a core op that fails is a bug in jumpdsl)."""
    plugin_ops = sorted({n.op for n in graph.nodes() if graph.ops.origin(n.op) is not None})
    try:
        yield
    except (ExportError, ImportError):
        raise
    except Exception as exc:
        if not plugin_ops:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ExportError(
            f"{exporter} cannot trace the network, which holds the plugin ops "
            f"{', '.join(plugin_ops)}: {type(exc).__name__}: {first}"
        ) from None


def _python(graph: Graph, job: _Job) -> bytes:
    trained = None
    if job.trained is not None:
        trained = TrainedSource(job.trained.normalization, job.weights_file)
    source = python_source(
        graph, seed=job.seed, origin=job.origin, inference=job.inference, trained=trained
    )
    return source.encode("utf-8")


def trained_weights(
    graph: Graph, trained: Trained, *, inference: bool = False, seed: int | None = None
) -> bytes:
    """The ``state_dict`` a trained ``.py`` export's ``Model`` loads (the inference form's
    with ``inference``: batch norms folded), as ``torch.save`` bytes; plain tensors, so
    ``torch.load(weights_only=True)`` reads it."""
    module, _ = _example(graph, _Job(seed, "", inference, trained))
    state = {k: v.detach().clone().contiguous() for k, v in module.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _pt2(graph: Graph, job: _Job) -> bytes:
    module, example = _example(graph, job)
    with _quiet(), _tracing(graph, "torch.export"):
        program = torch.export.export(module, example, dynamic_shapes=_dynamic_batch())
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    return buffer.getvalue()


def _onnx(graph: Graph, job: _Job) -> bytes:
    module, example = _example(graph, job)
    # Named outputs (`output NAME`) keep their names in the ONNX graph: out, aux, …
    names = list(graph.outputs()) if graph.multi_output else None
    try:
        with _quiet(), _tracing(graph, "torch.onnx.export"):
            program = torch.onnx.export(
                module,
                example,
                dynamo=True,
                dynamic_shapes=_dynamic_batch(),
                verbose=False,
                output_names=names,
            )
    except ImportError as exc:
        raise ExportError(
            f"ONNX export needs onnxscript ({exc}); install it: pip install onnx onnxscript"
        ) from None
    if program is None:
        raise ExportError("torch.onnx.export returned no program")
    proto = program.model_proto
    _check_onnx(proto)
    return bytes(proto.SerializeToString())


def _check_onnx(proto: Any) -> None:
    """The ONNX checker's verdict, when the ``onnx`` package is installed."""
    try:
        import onnx
    except ImportError:
        return
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as exc:
        raise ExportError(f"the ONNX checker rejects the exported model: {exc}") from None


FORMATS: dict[str, Callable[[Graph, _Job], bytes]] = {
    ".py": _python,
    ".onnx": _onnx,
    ".pt2": _pt2,
}


def export_bytes(
    graph: Graph,
    suffix: str,
    *,
    seed: int | None = None,
    origin: str = "a spec",
    inference: bool = False,
    trained: Trained | None = None,
    weights_file: str = "model.pt",
) -> bytes:
    """The checked IR ``graph`` exported in the format of ``suffix`` (``.py``, ``.onnx``,
    ``.pt2``); ``origin`` names the spec in the exported file's header (``.py``);
    ``inference`` exports the inference form (:mod:`jumpdsl.backends.inference`, portable);
    ``trained`` (:func:`~jumpdsl.backends.trained.read_trained`) holds a checkpoint's weights
    and input normalisation: inside the traced formats; for ``.py``, the normalisation is in
    the source and the weights are :func:`trained_weights`, to be written as ``weights_file``
    beside it.

    >>> from jumpdsl.api import lower_text
    >>> g = lower_text("network T { input [3, 8, 8] task { gap dense(2) } }")
    >>> b"class Model(torch.nn.Module):" in export_bytes(g, ".py")
    True
    """
    try:
        writer = FORMATS[suffix.lower()]
    except KeyError:
        raise ExportError(
            f"unknown export format '{suffix}': end the name in " + ", ".join(FORMATS)
        ) from None
    return writer(graph, _Job(seed, origin, inference, trained, weights_file))
