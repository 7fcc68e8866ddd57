"""Op specs for convolutions and pooling (see _op_specs.py for the format).

Every op is called through torch.nn.functional, as a user would. The numpy references are
written out as loops over kernel offsets / windows, with PyTorch's rules: output sizes
(floor or ceil mode, the last window starting inside the input or its left padding), the
first maximum of a window in scan order (and its flat index in the input plane), the
divisor of an average (count_include_pad, divisor_override), adaptive windows
[floor(i n / o), ceil((i + 1) n / o)), max unpooling's default output size
(n - 1) s + k - 2 p and its writes, one input value at its flat index in each plane.
"""
import itertools

import numpy as np
from hypothesis import strategies as st

from ._case_builders import array, distinct
from ._domains import Domain
from ._op_specs import spec

REAL = Domain()
TIES = Domain(-2.0, 2.0, grid=1.0)  # small integers: windows hold repeated maxima


def F(T):
    return T.nn.functional


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _batched(x, nd):
    """x with a batch dim (and whether it had one)."""
    return (x, True) if x.ndim == nd + 2 else (x[None], False)


# ---- references --------------------------------------------------------------------------
def _conv_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    nd = w.ndim - 2
    x, batched = _batched(x, nd)
    s, d = _tuple(stride, nd), _tuple(dilation, nd)
    k = w.shape[2:]
    if padding == "same":
        total = [dd * (kk - 1) for dd, kk in zip(d, k)]
        pads = [(t // 2, t - t // 2) for t in total]
    else:
        pads = [(p, p) for p in _tuple(0 if padding == "valid" else padding, nd)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    outs = [(n - dd * (kk - 1) - 1) // ss + 1 for n, dd, kk, ss in zip(xp.shape[2:], d, k, s)]
    n_, c = x.shape[:2]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    out = np.zeros((n_, o) + tuple(outs), np.result_type(x, w))
    for g in range(groups):
        for offs in itertools.product(*[range(kk) for kk in k]):
            sl = tuple(slice(i * dd, i * dd + (on - 1) * ss + 1, ss) for i, dd, on, ss in zip(offs, d, outs, s))
            part = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + sl]
            out[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...", part, w[(slice(g * og, (g + 1) * og),
                                                                                  slice(None)) + offs])
    if b is not None:
        out += b.reshape((-1,) + (1,) * nd)
    return out if batched else out[0]


def _conv_transpose_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    nd = w.ndim - 2
    x, batched = _batched(x, nd)
    s, p, op, d = (_tuple(v, nd) for v in (stride, padding, output_padding, dilation))
    k = w.shape[2:]
    n_, c = x.shape[:2]
    cg, og = c // groups, w.shape[1]
    full = [(n - 1) * ss + dd * (kk - 1) + 1 + oo for n, ss, dd, kk, oo in zip(x.shape[2:], s, d, k, op)]
    buf = np.zeros((n_, og * groups) + tuple(full), np.result_type(x, w))
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        for offs in itertools.product(*[range(kk) for kk in k]):
            sl = tuple(slice(i * dd, i * dd + (n - 1) * ss + 1, ss) for i, dd, n, ss in zip(offs, d, x.shape[2:], s))
            wk = w[(slice(g * cg, (g + 1) * cg), slice(None)) + offs]
            buf[(slice(None), slice(g * og, (g + 1) * og)) + sl] += np.einsum("nc...,co->no...", xg, wk)
    crop = tuple(slice(pp, f - pp) for pp, f in zip(p, full))
    out = buf[(slice(None), slice(None)) + crop]
    if b is not None:
        out = out + b.reshape((-1,) + (1,) * nd)
    return out if batched else out[0]


def _out_size(n, k, p, s, d, ceil_mode):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def _pool_args_nd(nd, kernel_size, stride, padding, dilation):
    k = _tuple(kernel_size, nd)
    s = k if stride is None or stride == () else _tuple(stride, nd)
    return k, s, _tuple(padding, nd), _tuple(dilation, nd)


def _windows(spatial, k, s, p, d, ceil_mode):
    """For every output position: the input positions of its window, inside the input (a list
    of index tuples, in scan order), and the window's start and (padded) end per dim."""
    outs = [_out_size(n, kk, pp, ss, dd, ceil_mode) for n, kk, pp, ss, dd in zip(spatial, k, p, s, d)]
    for pos in itertools.product(*[range(o) for o in outs]):
        cells = []
        for offs in itertools.product(*[range(kk) for kk in k]):
            idx = tuple(o * ss - pp + i * dd for o, ss, pp, i, dd in zip(pos, s, p, offs, d))
            if all(0 <= j < n for j, n in zip(idx, spatial)):
                cells.append(idx)
        yield pos, cells
    return outs


def _flat(idx, spatial):
    f = 0
    for j, n in zip(idx, spatial):
        f = f * n + j
    return f


def _max_pool_ref(nd):
    def ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        k, s, p, d = _pool_args_nd(nd, kernel_size, stride, padding, dilation)
        spatial = x.shape[-nd:]
        outs = [_out_size(n, kk, pp, ss, dd, ceil_mode) for n, kk, pp, ss, dd in zip(spatial, k, p, s, d)]
        lead = x.shape[:-nd]
        values = np.zeros(lead + tuple(outs), x.dtype)
        indices = np.zeros(lead + tuple(outs), np.int64)
        for pos, cells in _windows(spatial, k, s, p, d, ceil_mode):
            vals = np.stack([x[(Ellipsis,) + c] for c in cells], axis=-1)
            first = np.argmax(vals, axis=-1)  # numpy's argmax: the first maximum
            values[(Ellipsis,) + pos] = np.take_along_axis(vals, first[..., None], -1)[..., 0]
            flats = np.array([_flat(c, spatial) for c in cells])
            indices[(Ellipsis,) + pos] = flats[first]
        return (values, indices) if return_indices else values

    return ref


def _avg_pool_ref(nd):
    def ref(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        k, s, p, _ = _pool_args_nd(nd, kernel_size, stride, padding, 1)
        spatial = x.shape[-nd:]
        outs = [_out_size(n, kk, pp, ss, 1, ceil_mode) for n, kk, pp, ss in zip(spatial, k, p, s)]
        out = np.zeros(x.shape[:-nd] + tuple(outs), x.dtype)
        for pos, cells in _windows(spatial, k, s, p, (1,) * nd, ceil_mode):
            total = sum(x[(Ellipsis,) + c] for c in cells)
            if divisor_override:
                div = divisor_override
            elif count_include_pad:
                div = 1
                for o, ss, pp, kk, n in zip(pos, s, p, k, spatial):
                    start = o * ss - pp
                    div *= min(start + kk, n + pp) - start
            else:
                div = len(cells)
            out[(Ellipsis,) + pos] = total / div
        return out

    return ref


def _adaptive_cells(spatial, outs):
    for pos in itertools.product(*[range(o) for o in outs]):
        ranges = [range((i * n) // o, -((-(i + 1) * n) // o)) for i, n, o in zip(pos, spatial, outs)]
        yield pos, list(itertools.product(*ranges)), [len(r) for r in ranges]


def _adaptive_size(x, nd, output_size):
    size = _tuple(output_size, nd)
    return tuple(n if o is None else o for o, n in zip(size, x.shape[-nd:]))


def _adaptive_avg_ref(nd):
    def ref(x, output_size):
        spatial = x.shape[-nd:]
        outs = _adaptive_size(x, nd, output_size)
        out = np.zeros(x.shape[:-nd] + outs, x.dtype)
        for pos, cells, lens in _adaptive_cells(spatial, outs):
            out[(Ellipsis,) + pos] = sum(x[(Ellipsis,) + c] for c in cells) / np.prod(lens)
        return out

    return ref


def _adaptive_max_ref(nd):
    def ref(x, output_size, return_indices=False):
        spatial = x.shape[-nd:]
        outs = _adaptive_size(x, nd, output_size)
        values = np.zeros(x.shape[:-nd] + outs, x.dtype)
        indices = np.zeros(x.shape[:-nd] + outs, np.int64)
        for pos, cells, _ in _adaptive_cells(spatial, outs):
            vals = np.stack([x[(Ellipsis,) + c] for c in cells], axis=-1)
            first = np.argmax(vals, axis=-1)
            values[(Ellipsis,) + pos] = np.take_along_axis(vals, first[..., None], -1)[..., 0]
            indices[(Ellipsis,) + pos] = np.array([_flat(c, spatial) for c in cells])[first]
        return (values, indices) if return_indices else values

    return ref


# ---- convolution ---------------------------------------------------------------------------
def _sizes(draw, limits, nd, least):
    top = limits["max_side"] + 1
    return tuple(draw(st.integers(max(1, lo), max(lo, top))) for lo in least)


def _conv_args(nd, transposed=False, padding_mode=None):
    """input, weight, bias (sometimes) and drawn stride / padding / dilation / groups."""
    def build(draw, dtype, limits, smooth):
        groups = draw(st.sampled_from((1, 2)))
        cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
        k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
        stride = (1,) * nd if padding_mode == "same" else tuple(draw(st.integers(1, 2)) for _ in range(nd))
        kw = {"stride": stride, "dilation": dilation, "groups": groups}
        if transposed:
            padding = tuple(draw(st.integers(0, 1)) for _ in range(nd))
            output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
            # the output (n - 1) s - 2 p + d (k - 1) + op + 1 must be at least 1
            least = [1 + -(-max(0, 2 * p - d * (kk - 1) - o) // s) for p, d, kk, o, s in
                     zip(padding, dilation, k, output_padding, stride)]
            kw.update(padding=padding, output_padding=output_padding)
            wshape = (cin, cout // groups) + k
        else:
            padding = padding_mode or tuple(draw(st.integers(0, 1)) for _ in range(nd))
            pads = (0,) * nd if isinstance(padding, str) else padding
            least = [d * (kk - 1) + 1 - 2 * p for d, kk, p in zip(dilation, k, pads)]
            kw["padding"] = padding
            wshape = (cout, cin // groups) + k
        batch = draw(st.sampled_from(((), (1,), (2,))))
        x = array(draw, dtype, batch + (cin,) + _sizes(draw, limits, nd, least), REAL, smooth)
        arrays = [x, array(draw, dtype, wshape, REAL, smooth)]
        if draw(st.booleans()):
            arrays.append(array(draw, dtype, (cout,), REAL, smooth))
        return tuple(arrays), kw

    return build


_CONV_TOL = {"rtol": 1e-5, "atol": 1e-5}
for _nd in (1, 2):
    spec(f"nn.functional.conv{_nd}d", lambda T, *a, _n=_nd, **kw: getattr(F(T), f"conv{_n}d")(*a, **kw),
         _conv_args(_nd), _conv_ref, **_CONV_TOL)
    spec(f"nn.functional.conv_transpose{_nd}d",
         lambda T, *a, _n=_nd, **kw: getattr(F(T), f"conv_transpose{_n}d")(*a, **kw),
         _conv_args(_nd, transposed=True), _conv_transpose_ref, **_CONV_TOL)
    spec(f"nn.functional.conv{_nd}d.same", lambda T, *a, _n=_nd, **kw: getattr(F(T), f"conv{_n}d")(*a, **kw),
         _conv_args(_nd, padding_mode="same"), _conv_ref, **_CONV_TOL)
spec("nn.functional.conv3d", lambda T, *a, **kw: F(T).conv3d(*a, **kw), _conv_args(3), _conv_ref, **_CONV_TOL)


# ---- pooling -------------------------------------------------------------------------------
def _pool_args(nd, *, dilation=True, avg=False, ties=False):
    def build(draw, dtype, limits, smooth):
        k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        d = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilation else (1,) * nd
        stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 2)] * nd)))
        pad = tuple(draw(st.integers(0, kk // 2)) for kk in k)
        ceil_mode = draw(st.booleans())
        least = [dd * (kk - 1) + 1 - 2 * p for dd, kk, p in zip(d, k, pad)]
        if avg and nd == 3:  # avg_pool3d refuses an input side shorter than the kernel, padding or not
            least = [max(n, kk) for n, kk in zip(least, k)]
        if not avg:
            # sides of at least the dilation: else a dilated window can hold padding only, where PyTorch's max is
            # -inf (facade's too) with an index past its row, so that its gradient lands in the next channel
            least = [max(n, dd) for n, dd in zip(least, d)]
        spatial = _sizes(draw, limits, nd, least)
        kw = {"kernel_size": k if nd > 1 or draw(st.booleans()) else k[0], "stride": stride, "padding": pad,
              "ceil_mode": ceil_mode}
        if dilation:
            kw["dilation"] = d
        if avg:
            kw["count_include_pad"] = draw(st.booleans())
            if nd >= 2:
                kw["divisor_override"] = draw(st.sampled_from((None, None, 3)))
        else:
            kw["return_indices"] = draw(st.booleans())
        shape = draw(st.sampled_from(((), (1,), (2,)))) + (draw(st.integers(1, 2)),) + spatial
        if ties or avg:
            return (array(draw, dtype, shape, TIES if ties else REAL, smooth),), kw
        return (array(draw, dtype, shape, distinct(REAL, int(np.prod(shape))), smooth, unique=True),), kw

    return build


def _adaptive_args(nd, *, maximum=False, ties=False):
    def build(draw, dtype, limits, smooth):
        spatial = _sizes(draw, limits, nd, [1] * nd)
        shape = draw(st.sampled_from(((), (2,)))) + (draw(st.integers(1, 2)),) + spatial
        size = tuple(draw(st.integers(1, limits["max_side"] + 2)) for _ in range(nd))
        if nd == 1:
            size = size[0] if draw(st.booleans()) else size
        elif draw(st.booleans()):
            size = (size[0], None) + size[2:]  # None keeps the input's size
        kw = {"output_size": size}
        if maximum:
            kw["return_indices"] = draw(st.booleans())
            if not ties:
                dom = distinct(REAL, int(np.prod(shape)))
                return (array(draw, dtype, shape, dom, smooth, unique=True),), kw
        return (array(draw, dtype, shape, TIES if ties else REAL, smooth),), kw

    return build


def _functional(name):
    return lambda T, x, **kw: getattr(F(T), name)(x, **kw)


for _nd in (1, 2, 3):
    _mp = f"nn.functional.max_pool{_nd}d"
    spec(_mp, _functional(f"max_pool{_nd}d"), _pool_args(_nd), _max_pool_ref(_nd))
    # ties: PyTorch's gradient goes to the first maximum of each window (no derivative to gradcheck there)
    spec(_mp + ".ties", _functional(f"max_pool{_nd}d"), _pool_args(_nd, ties=True), _max_pool_ref(_nd),
         gradcheck=False)
    spec(f"nn.functional.avg_pool{_nd}d", _functional(f"avg_pool{_nd}d"), _pool_args(_nd, dilation=False, avg=True),
         _avg_pool_ref(_nd))
    spec(f"nn.functional.adaptive_avg_pool{_nd}d", _functional(f"adaptive_avg_pool{_nd}d"), _adaptive_args(_nd),
         _adaptive_avg_ref(_nd))
    _amp = f"nn.functional.adaptive_max_pool{_nd}d"
    spec(_amp, _functional(f"adaptive_max_pool{_nd}d"), _adaptive_args(_nd, maximum=True), _adaptive_max_ref(_nd))
    spec(_amp + ".ties", _functional(f"adaptive_max_pool{_nd}d"), _adaptive_args(_nd, maximum=True, ties=True),
         _adaptive_max_ref(_nd), gradcheck=False)
# ---- max unpooling --------------------------------------------------------------------------
def _max_unpool_ref(nd):
    def ref(x, indices, kernel_size, stride=None, padding=0, output_size=None):
        k = _tuple(kernel_size, nd)
        s = k if stride is None else _tuple(stride, nd)
        p = _tuple(padding, nd)
        spatial = x.shape[x.ndim - nd:]
        if output_size is None:
            out = tuple((n - 1) * ss + kk - 2 * pp for n, ss, kk, pp in zip(spatial, s, k, p))
        else:
            out = tuple(output_size)[-nd:]
        lead = x.shape[:x.ndim - nd]
        y = np.zeros(lead + out, x.dtype)
        for plane in itertools.product(*[range(n) for n in lead]):
            flat = y[plane].reshape(-1)  # a view of the plane: writes land in y
            for pos in itertools.product(*[range(n) for n in spatial]):
                flat[indices[plane + pos]] = x[plane + pos]
        return y

    return ref


def _unpool_args(nd):
    """input, distinct indices into each output plane (a random permutation's prefix, so no two inputs
    write one element), kernel / stride / padding and an output_size: None (the default size), the
    spatial sizes or those with two leading entries (dropped)."""
    def build(draw, dtype, limits, smooth):
        k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 2)] * nd)))
        s = k if stride is None else stride
        # k - 2 p >= 1: every output side is at least the input's, so distinct indices fit
        pad = tuple(draw(st.integers(0, (kk - 1) // 2)) for kk in k)
        spatial = _sizes(draw, limits, nd, [1] * nd)
        default = [(n - 1) * ss + kk - 2 * pp for n, ss, kk, pp in zip(spatial, s, k, pad)]
        form = draw(st.sampled_from(("default", "spatial", "full")))
        if form == "default":
            out, size = tuple(default), None
        else:  # PyTorch accepts sides strictly within a stride of the default
            out = tuple(draw(st.integers(max(n, d - ss + 1), d + ss - 1)) for n, d, ss in zip(spatial, default, s))
            size = list(out) if form == "spatial" else (7, 9) + out
        lead = draw(st.sampled_from(((), (1,), (2,)))) + (draw(st.integers(1, 2)),)
        x = array(draw, dtype, lead + spatial, REAL, smooth)
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        per, planes = int(np.prod(spatial)), int(np.prod(lead))
        idx = np.stack([rng.permutation(int(np.prod(out)))[:per] for _ in range(planes)]).reshape(lead + spatial)
        kw = {"kernel_size": k if nd > 1 or draw(st.booleans()) else k[0], "stride": stride, "padding": pad,
              "output_size": size}
        return (x, idx.astype(np.int64)), kw

    return build


def _roundtrip_args(nd, overlap):
    """An input of distinct values, max-pooled with indices and unpooled to its own size. Without overlap
    (stride >= kernel) every index is distinct; with it two windows can pick one element: PyTorch's
    gradient then gathers the output gradient into both, which is not the derivative (no gradcheck)."""
    def build(draw, dtype, limits, smooth):
        k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        if overlap:
            s = tuple(draw(st.integers(1, 2)) for _ in range(nd))
        else:
            s = tuple(kk + draw(st.integers(0, 1)) for kk in k)
        pad = tuple(draw(st.integers(0, kk // 2)) for kk in k)
        spatial = _sizes(draw, limits, nd, [kk - 2 * p for kk, p in zip(k, pad)])
        shape = draw(st.sampled_from(((), (1,), (2,)))) + (draw(st.integers(1, 2)),) + spatial
        x = array(draw, dtype, shape, distinct(REAL, int(np.prod(shape))), smooth, unique=True)
        return (x,), {"kernel_size": k, "stride": s, "padding": pad}

    return build


def _roundtrip(nd):
    def call(T, x, **kw):
        f = F(T)
        out, idx = getattr(f, f"max_pool{nd}d")(x, return_indices=True, **kw)
        return getattr(f, f"max_unpool{nd}d")(out, idx, output_size=x.shape[x.ndim - nd:], **kw)

    def ref(x, **kw):
        out, idx = _max_pool_ref(nd)(x, return_indices=True, **kw)
        return _max_unpool_ref(nd)(out, idx, output_size=x.shape[x.ndim - nd:], **kw)

    return call, ref


for _nd in (1, 2, 3):
    spec(f"nn.functional.max_unpool{_nd}d", lambda T, x, idx, _n=_nd, **kw: getattr(F(T), f"max_unpool{_n}d")(
        x, idx, **kw), _unpool_args(_nd), _max_unpool_ref(_nd))
_rt_call, _rt_ref = _roundtrip(2)
spec("nn.functional.max_unpool2d.roundtrip", _rt_call, _roundtrip_args(2, overlap=False), _rt_ref)
spec("nn.functional.max_unpool2d.roundtrip_overlap", _rt_call, _roundtrip_args(2, overlap=True), _rt_ref,
     gradcheck=False)

spec("nn.functional.max_pool2d_with_indices", _functional("max_pool2d_with_indices"),
     _pool_args(2, ties=True), lambda x, **kw: _max_pool_ref(2)(x, **{**kw, "return_indices": True}), gradcheck=False)

del _nd, _mp, _amp, _rt_call, _rt_ref
