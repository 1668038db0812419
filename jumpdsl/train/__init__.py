"""Training a compiled spec: data, recipes, the loop, checkpoints, and DDP through torchrun.

``jumpdsl train`` and ``jumpdsl eval`` live in :mod:`jumpdsl.train.cli`. Importing this package
is cheap; torch loads only in the modules that run a model.
"""
