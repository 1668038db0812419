"""Editor support: a language server for ``.jnet`` (``jumpdsl lsp``).

One idea per module. The library part works in the project's own terms (spans, AST, IR) and
returns values; only :mod:`jumpdsl.lsp.protocol` (values → LSP types) and
:mod:`jumpdsl.lsp.server` (the wiring, over stdio) know the protocol, and only they import
``pygls`` and ``lsprotocol`` (the ``jumpdsl[lsp]`` extra).

- :mod:`~jumpdsl.lsp.positions`: spans (1-based, code points) ↔ editor positions (0-based,
  UTF-16 by default);
- :mod:`~jumpdsl.lsp.analysis`: open documents, the check of each (with the open files it
  uses), the last good analysis kept while a file is broken;
- :mod:`~jumpdsl.lsp.index`: which IR nodes and template instances each statement made, with
  their shapes, parameters and MACs;
- :mod:`~jumpdsl.lsp.names`: what each name in a file means (definitions and references);
- :mod:`~jumpdsl.lsp.locate`: what stands under the cursor;
- :mod:`~jumpdsl.lsp.hover`, :mod:`~jumpdsl.lsp.definitions`, :mod:`~jumpdsl.lsp.completion`,
  :mod:`~jumpdsl.lsp.signatures`, :mod:`~jumpdsl.lsp.outline` (symbols and folding),
  :mod:`~jumpdsl.lsp.formatting`, :mod:`~jumpdsl.lsp.fixes` (quick fixes): the features.
"""

__all__: list[str] = []
