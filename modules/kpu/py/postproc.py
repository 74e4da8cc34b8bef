"""Classifier post-processing: softmax, argmax, top-k with labels, label files."""
import math


def softmax(xs):
    """exp(x - max) / sum, as a list of floats."""
    m = max(xs)
    es = [math.exp(x - m) for x in xs]
    s = sum(es)
    return [e / s for e in es]


def argmax(xs):
    """Index of the largest value (the first one on ties)."""
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best


def top_k(xs, k=5, labels=None):
    """The k largest as (index, value, label) tuples, largest first, lower index first on ties.
    label is None without labels."""
    if labels is not None and len(labels) < len(xs):
        raise ValueError("top_k: %d labels for %d scores" % (len(labels), len(xs)))
    order = sorted(range(len(xs)), key=lambda i: (-xs[i], i))[:k]
    return [(i, xs[i], labels[i] if labels is not None else None) for i in order]


def load_labels(path):
    """One label per line (blank lines and '#' comments skipped); a single comma-separated
    line also works. Returns a list of str."""
    with open(path) as f:
        lines = [ln.strip() for ln in f.read().split("\n")]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(lines) == 1 and "," in lines[0]:
        lines = [p.strip() for p in lines[0].split(",") if p.strip()]
    if not lines:
        raise ValueError("%s: no labels in the file" % path)
    return lines
