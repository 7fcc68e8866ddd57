"""Op specs for torch.nn.functional.embedding_bag, one per mode (see _op_specs.py for the format).

The numpy reference follows PyTorch's documented rule bag by bag: bag b holds the indices
from offsets[b] up to the next offset (or the end; with include_last_offset the last offset
closes the last bag); rows at padding_idx are skipped; 'sum' adds the rows (each times its
per-sample weight), 'mean' divides by the number of rows kept, 'max' takes the elementwise
maximum; an empty bag is zeros. The weights are drawn without repeats per column so that
'max' has one maximum (finite differences have no answer at a tie).
"""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array, distinct
from ._op_specs import spec


def _bags_ref(w, idx, offsets, psw=None, mode="mean", include_last_offset=False, padding_idx=None):
    idx, offsets = np.asarray(idx), list(np.asarray(offsets))
    ends = offsets[1:] + ([] if include_last_offset else [len(idx)])
    out = np.zeros((len(ends), w.shape[1]), w.dtype)
    for b, (lo, hi) in enumerate(zip(offsets, ends)):
        rows = [w[i] * (1 if psw is None else psw[j]) for j, i in zip(range(lo, hi), idx[lo:hi]) if i != padding_idx]
        if not rows:
            continue
        if mode == "sum":
            out[b] = np.sum(rows, 0)
        elif mode == "mean":
            out[b] = np.mean(rows, 0)
        else:
            out[b] = np.max(rows, 0)
    return out


def _args(mode):
    def build(draw, dtype, limits, smooth):
        num, dim = draw(st.integers(2, 5)), draw(st.integers(1, 3))
        w = array(draw, dtype, (num, dim), distinct(REAL, num * dim), smooth, unique=True)
        n = draw(st.integers(0, 6))
        idx = np.array([draw(st.integers(0, num - 1)) for _ in range(n)], np.int64)
        cuts = sorted(draw(st.integers(0, n)) for _ in range(draw(st.integers(0, 3))))
        last = draw(st.booleans())
        offsets = np.array([0] + cuts + ([n] if last else []), np.int64)
        kw = {"mode": mode, "include_last_offset": last}
        if draw(st.booleans()):
            kw["padding_idx"] = draw(st.integers(0, num - 1))
        arrays = (w, idx, offsets)
        if mode == "sum" and draw(st.booleans()):
            arrays += (array(draw, dtype, (n,), REAL, smooth),)
        return arrays, kw

    return build


def _call(T, w, idx, offsets, psw=None, **kw):
    return T.nn.functional.embedding_bag(idx, w, offsets, per_sample_weights=psw, **kw)


for _mode in ("sum", "mean", "max"):
    spec(f"nn.functional.embedding_bag.{_mode}", _call, _args(_mode), _bags_ref)
