# Runs on the board (pushed to /sd/demo by ./scripts/demo): classifies the held-out digits with the
# frozen helpers and reports the kpu memory ledger before load, after load and after deinit.
import gc

import kpu
import imgfile
import imgops
import postproc
from model_manager import Model, mem_text

D = "/sd/demo/"


def ledger():
    gc.collect()
    return kpu.mem_info()


def classify(m, data):
    probs = m.forward(data)
    i = postproc.argmax(probs)
    return i, probs[i]


labels = postproc.load_labels(D + "labels.txt")
images = [ln.split() for ln in open(D + "images.txt").read().split("\n") if ln.strip()]
before = ledger()
print("memory before load:  " + mem_text(before))
with Model(D + "digits.kmodel") as m:
    loaded = ledger()
    print("memory after load:   " + mem_text(loaded))
    print("")
    print("%-16s %5s %10s %11s" % ("image", "truth", "prediction", "probability"))
    shown_ok = 0
    for name, truth in images:
        x = imgops.prepare(imgfile.load(D + name), 16, 16, 1, "nearest")  # 8x8 PGM -> 16x16 input
        i, p = classify(m, x.data)
        shown_ok += labels[i] == truth
        print("%-16s %5s %10s %11.4f%s" % (name, truth, labels[i], p, "" if labels[i] == truth else "   <- wrong"))
    # the whole held-out set: 8x8 u8 images back to back, one label byte each
    raw = open(D + "heldout.bin", "rb").read()
    truths = open(D + "heldout_labels.bin", "rb").read()
    ok = 0
    for k in range(len(truths)):
        x = imgops.resize_nearest(imgops.Image(8, 8, 1, bytearray(raw[64 * k:64 * k + 64])), 16, 16)
        ok += classify(m, x.data)[0] == truths[k]
    print("")
    print("board accuracy: %d/%d shown, %d/%d held-out = %.2f%%" % (shown_ok, len(images), ok, len(truths),
                                                                  100.0 * ok / len(truths)))
del x   # the last image's pixels are a ledger block (kpu.LedgerBuf): not the model's to give back
after = ledger()
print("memory after deinit: " + mem_text(after))
print("RESULT " + repr({"ok": ok, "n": len(truths), "shown_ok": shown_ok, "before": before,
                        "loaded": loaded, "after": after}))
