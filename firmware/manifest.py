# Frozen into every board: the board-side helpers of the host tools (firmware/py) and the kpu
# helpers (modules/kpu/py) and the vision ones (modules/vision/py). makemanifest.py runs this file from its own directory.
import os

for d in ("py", "../modules/kpu/py", "../modules/vision/py"):
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            if name.endswith(".py"):
                module(name, base_path=d)
