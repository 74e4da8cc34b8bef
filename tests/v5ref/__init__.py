"""Numpy reference of kmodel v5 (nncase 1.x): the stackvm interpreter and tensor ops and the k210
module, written from kmodel-v5-spec.md (the KPU layer itself is tests/kpuref, written from
kmodel-spec.md section 3). Independent of the C code it checks: nothing here comes from
modules/kpu or firmware/sim. run.run_model(bytes, inputs) runs a whole v5 file."""
import os
import sys

_HERE = os.path.dirname(__file__)
for _p in (os.path.join(_HERE, "..", "..", "scripts"), os.path.join(_HERE, "..")):
    if os.path.abspath(_p) not in map(os.path.abspath, sys.path):
        sys.path.insert(0, _p)
