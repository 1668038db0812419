"""AST → IR: bind parameters, evaluate expressions, expand repeats, loops and templates, and
name every node after its scope path (``learner.group2.block3.conv1``).

One job per module:

- :mod:`~jumpdsl.lower.network`: the entry, :func:`~jumpdsl.lower.network.lower`; a file's
  network, its parameters, defaults, input and sections;
- :mod:`~jumpdsl.lower.templates`: the templates a network can call;
- :mod:`~jumpdsl.lower.binding`: arguments to parameters, with type checks, for ops,
  templates and the network;
- :mod:`~jumpdsl.lower.defaults`: a network's ``defaults { … }``;
- :mod:`~jumpdsl.lower.visitor`: the statements;
- :mod:`~jumpdsl.lower.builder`: the only writer of the graph (names, limits).

Every problem goes to the sink; a statement that fails unwinds with
:class:`jumpdsl.diagnostics.Reported` and lowering goes on with the next, so one run shows many
errors. The IR's records are documented in :mod:`jumpdsl.ir.graph`.
"""
