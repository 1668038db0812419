"""CBAM attention (Woo et al., ECCV 2018) for jumpdsl: the op's entry is in
:mod:`jumpdsl_cbam.ops` (no torch), its torch module in :mod:`jumpdsl_cbam.modules` (no
jumpdsl: a network exported to ``.py`` needs torch and this package only)."""
