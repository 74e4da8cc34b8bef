"""Numpy reference of the K210 KPU and the kmodel v3 CPU layers, written from docs/kmodel-spec.md.

Independent of the C code it checks: nothing here is derived from modules/kpu or firmware/sim.
"""
import os
import sys

try:  # the host package is installed editable by scripts/setup; fall back to the source tree
    import k210tools.kmodel.v3  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
