"""`make_tensor`: a random tensor of a given shape and dtype, as torch.testing.make_tensor.

Values are uniform in [low, high) (defaults: [-9, 9] for floats, [-9, 10) for signed
integers, [0, 10) for uint8); the random stream comes from facade's global generator, so
`facade.manual_seed` makes it reproducible.
"""
import numpy as np

from .. import _dtype

__all__ = ["make_tensor"]


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        return tuple(shape[0])
    return tuple(shape)


def _rng():
    from .. import randint

    return np.random.default_rng(int(randint(0, 2**31 - 1, ()).item()))


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    from .. import tensor

    shape = _shape(shape)
    if requires_grad and dtype.category < 2:
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={dtype}")
    rng = _rng()
    if dtype is _dtype.bool_:
        values = rng.integers(0, 2, shape).astype(bool)
    elif dtype.category == 1:
        lo = 0 if dtype is _dtype.uint8 else -9
        lo, hi = int(lo if low is None else max(low, np.iinfo(dtype.np).min)), int(10 if high is None else high)
        _check_range(lo, hi)
        values = rng.integers(lo, hi, shape)
        if exclude_zero:
            values[values == 0] = 1
    else:
        lo, hi = (-9.0 if low is None else float(low)), (9.0 if high is None else float(high))
        _check_range(lo, hi, allow_equal=True)
        values = rng.uniform(lo, hi, shape if dtype.category == 2 else shape + (2,))
        if exclude_zero:
            values[values == 0] = np.finfo(np.float32).eps
        if dtype.category == 3:
            values = values[..., 0] + 1j * values[..., 1]
    values = np.asarray(values).astype(dtype.np)
    if noncontiguous and values.size > 1:  # every other element of a twice-as-long tensor: a strided view
        out = tensor(np.repeat(values, 2, axis=-1), dtype=dtype, device=device)[..., ::2]
    else:
        out = tensor(values, dtype=dtype, device=device)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _check_range(lo, hi, allow_equal=False):
    if lo > hi or (lo == hi and not allow_equal):
        raise ValueError(f"`low` must be less than `high`, but got {lo} >= {hi}")
