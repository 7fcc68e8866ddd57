"""Shape ops. Views (view, reshape of a contiguous tensor, squeeze, unsqueeze, transpose,
permute, expand, select, slice, narrow, unbind, split, chunk, diagonal ...) share storage
with their base through `_views.make_view`; the rest (cat, stack, repeat, flip, ...) copy.
"""
import math

import jax.numpy as jnp
import numpy as np

from .._dispatch import record
from ..amp._state import ON as _AMP, cast_args as _amp_cast
from .._views import make_view
from .frontend import export, wrap_dim
from .table import defop


def _require(args, name, what):
    """PyTorch's TypeError for a sizes / dims argument left out (x.expand(), x.permute())."""
    if not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "{what}"')


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel, what="view"):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


VIEW = defop("view", lambda x, shape: jnp.reshape(x, shape), grad_fn="ViewBackward0", saves=False, view=True)
RESHAPE_ALIAS = defop("reshape_alias", lambda x, shape: jnp.reshape(x, shape), grad_fn="ReshapeAliasBackward0",
                      saves=False, view=True)  # reshape of a non-contiguous tensor that strides can still express
UNSAFE_VIEW = defop("unsafe_view", lambda x, shape: jnp.reshape(x, shape), grad_fn="UnsafeViewBackward0", saves=False)


def _keeps_contiguous(op, statics):
    if op.name in ("view", "squeeze", "unsqueeze", "alias"):
        return True
    if op.name in ("select", "unbind"):
        return statics[0] == 0
    if op.name in ("slice", "split", "split_with_sizes"):
        return statics[0] == 0 and statics[3] == 1
    return False


_CONTIGUOUS = {}  # (root shape, chain of view ops) -> bool


def is_contiguous(t):
    """Whether a tensor's elements lie in row-major order in its storage, as PyTorch's strides say.

    Reshaping, squeezing and leading-dim indexing keep contiguity; for other chains the storage
    positions of the view's elements are computed (once per root shape and chain) and must be
    consecutive, which is what PyTorch's stride rule amounts to (size-1 dims do not matter; a
    transpose of a size-1 dim, or a slice of the last dim of a single row, is still contiguous).
    """
    if t._view is None:
        return True
    root, chain, _ = t._view
    if all(_keeps_contiguous(op, st) for op, st in chain):
        return True
    key = (tuple(root.shape), chain)
    known = _CONTIGUOUS.get(key)
    if known is None:
        from .._views import _positions

        pos = np.asarray(_positions(key[0], chain)).reshape(-1)
        known = _CONTIGUOUS[key] = bool(pos.size <= 1 or np.all(np.diff(pos) == 1))
    return known


@export("view", function=False)
def view(self, *shape):
    from .. import _dtype

    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("Tensor.view(dtype) is not supported by facade")
    shape = _infer_shape(_shape_args(shape), self.numel())
    if not is_contiguous(self) and not _strided(self, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
            "contiguous subspaces). Use .reshape(...) instead."
        )
    return make_view(self, VIEW, (shape,))


@export("reshape")
def reshape(input, *shape):
    _require(shape, "reshape", "shape")
    shape = _infer_shape(_shape_args(shape), input.numel())
    if is_contiguous(input):
        return make_view(input, VIEW, (shape,))
    if _strided(input, shape):
        return make_view(input, RESHAPE_ALIAS, (shape,))
    return record(UNSAFE_VIEW, (input.clone(),), (shape,))


_STRIDED = {}  # (root shape, chain, new shape) -> bool


def _strided(t, shape):
    """Whether t (a view) reshaped to `shape` is still a strided view of its storage, as PyTorch decides
    (reshape then aliases and view() works): each new dim steps through storage by a constant stride."""
    root, chain, _ = t._view
    key = (tuple(root.shape), chain, tuple(shape))
    known = _STRIDED.get(key)
    if known is None:
        from .._views import _positions

        pos = np.asarray(_positions(key[0], chain)).reshape(shape)
        known = _STRIDED[key] = all(
            pos.shape[d] < 2 or np.all(np.diff(pos, axis=d) == np.take(pos, [1], axis=d) - np.take(pos, [0], axis=d))
            for d in range(pos.ndim))
    return known


@export("view_as", function=False)
def view_as(self, other):
    return view(self, tuple(other.shape))


@export("reshape_as", function=False)
def reshape_as(self, other):
    return reshape(self, tuple(other.shape))


@export("flatten")
def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = tuple(input.shape)
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


@export("unflatten")
def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input.ndim)
    shape = tuple(input.shape)
    sizes = tuple(sizes)
    known = math.prod(s for s in sizes if s != -1)
    if -1 not in sizes and known != shape[d] or -1 in sizes and (known == 0 or shape[d] % known):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]}) in the input tensor"
        )
    sizes = _infer_shape(sizes, shape[d])
    return view(input, shape[:d] + sizes + shape[d + 1:])


# statics: (dims to drop, form): form 0 = squeeze(), 1 = squeeze(int), 2 = squeeze(tuple or list),
# PyTorch's three overloads, which its grad_fn names tell apart (a tuple of one dim is still form 2)
SQUEEZE = defop("squeeze", lambda x, dims, form: jnp.squeeze(x, dims), saves=False, view=True,
                grad_fn=lambda n: ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2")[n.statics[1]])
UNSQUEEZE = defop("unsqueeze", lambda x, d: jnp.expand_dims(x, d), grad_fn="UnsqueezeBackward0", saves=False, view=True)


@export("squeeze", inplace_names=())
def squeeze(input, dim=None):
    shape = tuple(input.shape)
    if dim is None:
        dims, form = tuple(i for i, s in enumerate(shape) if s == 1), 0
    else:
        ds, form = ((dim,), 1) if isinstance(dim, int) else (tuple(dim), 2)
        dims = tuple(d for d in (wrap_dim(d, len(shape)) for d in ds) if shape and shape[d] == 1)
    return make_view(input, SQUEEZE, (dims, form))


@export("unsqueeze")
def unsqueeze(input, dim):
    return make_view(input, UNSQUEEZE, (wrap_dim(dim, input.ndim + 1),))


TRANSPOSE = defop("transpose", lambda x, a, b: jnp.swapaxes(x, a, b) if x.ndim else x, grad_fn="TransposeBackward0",
                  saves=False, view=True)
PERMUTE = defop("permute", lambda x, perm: jnp.transpose(x, perm), grad_fn="PermuteBackward0", saves=False, view=True)
T_OP = defop("t", lambda x: x.T, grad_fn="TBackward0", saves=False, view=True)
EXPAND = defop("expand", lambda x, shape: jnp.broadcast_to(x, shape), grad_fn="ExpandBackward0", saves=False, view=True)


@export("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    n = input.ndim
    a, b = wrap_dim(dim0, n), wrap_dim(dim1, n)
    return make_view(input, TRANSPOSE, (a, b))


@export("t")
def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return make_view(input, T_OP, ())


@export("permute")
def permute(input, *dims):
    _require(dims, "permute", "dims")
    dims = _shape_args(dims)
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}"
        )
    perm = tuple(wrap_dim(d, n) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return make_view(input, PERMUTE, (perm,))


@export("movedim", "moveaxis")
def movedim(input, source, destination):
    n = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    order = [i for i in range(n) if i not in src]
    perm = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = tuple(p if p is not None else next(it) for p in perm)
    return make_view(input, PERMUTE, (perm,))


@export("expand", function=False)
def expand(self, *sizes):
    _require(sizes, "expand", "size")
    sizes = _shape_args(sizes)
    shape = tuple(self.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    pad = (1,) * (len(sizes) - len(shape)) + shape
    out = []
    for i, (want, have) in enumerate(zip(sizes, pad)):
        if want == -1:
            if i < len(sizes) - len(shape):
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}")
            want = have
        if have != 1 and want != have:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
            )
        out.append(want)
    return make_view(self, EXPAND, (tuple(out),))


@export("expand_as", function=False)
def expand_as(self, other):
    return expand(self, tuple(other.shape))


@export("broadcast_to")
def broadcast_to(input, size):
    return expand(input, tuple(size))


SELECT = defop("select", lambda x, d, i: _select(x, d, i), grad_fn="SelectBackward0", saves=False, view=True)
SLICE = defop("slice", lambda x, d, s, e, st: _slice(x, d, s, e, st), grad_fn="SliceBackward0", saves=False, view=True)
# the pieces of split / chunk / unbind: the same views, under the grad_fn names PyTorch shows for them
# statics end with the piece's index: PyTorch's error for writing into one names it
UNBIND = defop("unbind", lambda x, d, i: _select(x, d, i), grad_fn="UnbindBackward0", saves=False, view=True)
SPLIT = defop("split", lambda x, d, s, e, st, i: _slice(x, d, s, e, st), grad_fn="SplitBackward0", saves=False,
              view=True)
SPLIT_WITH_SIZES = defop("split_with_sizes", lambda x, d, s, e, st, i: _slice(x, d, s, e, st),
                         grad_fn="SplitWithSizesBackward0", saves=False, view=True)
MULTI_VIEW_NAMES = {"unbind": "Unbind", "split": "Split", "split_with_sizes": "SplitWithSizes"}
ALIAS = defop("alias", lambda x: x, grad_fn="AliasBackward0", saves=False, view=True)  # x[...], x[()]


def _select(x, d, i):
    idx = [slice(None)] * x.ndim
    idx[d] = i
    return x[tuple(idx)]


def _slice(x, d, s, e, st):
    idx = [slice(None)] * x.ndim
    idx[d] = slice(s, e, st)
    return x[tuple(idx)]




@export("select")
def select(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {d}")
    return make_view(input, SELECT, (d, index % size))


def slice_dim(input, dim, start, stop, step):
    """input[..., start:stop:step, ...] along dim, as a view."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    size = input.shape[dim]
    s, e, _ = slice(start, stop, step).indices(size)
    e = max(e, s)
    return make_view(input, SLICE, (dim, s, e, step))


@export("narrow")
def narrow(input, dim, start, length):
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if hasattr(start, "item"):
        start = int(start.item())
    if start < 0:
        start += size
    if not 0 <= start <= size or start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return make_view(input, SLICE, (d, start, start + length, 1))


@export("unbind")
def unbind(input, dim=0):
    d = wrap_dim(dim, input.ndim)
    return tuple(make_view(input, UNBIND, (d, i)) for i in range(input.shape[d]))


@export("split")
def split(tensor, split_size_or_sections, dim=0):
    d = wrap_dim(dim, tensor.ndim)
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        bounds = [(i, min(i + step, size)) for i in range(0, size, step)] or [(0, 0)]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), but got split_sizes={sections}"
            )
        bounds, pos = [], 0
        for s in sections:
            bounds.append((pos, pos + s))
            pos += s
    op = SPLIT if isinstance(split_size_or_sections, int) else SPLIT_WITH_SIZES
    return tuple(make_view(tensor, op, (d, a, b, 1, i)) for i, (a, b) in enumerate(bounds))


@export("chunk")
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: 0")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    step = -(-size // chunks) if size else 1
    return split(input, step, d)


@export("tensor_split")
def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        base, extra = divmod(size, n)
        sizes = [base + 1] * extra + [base] * (n - extra)
    else:
        idx = [0] + [min(max(i, 0), size) for i in indices_or_sections] + [size]
        sizes = [max(b - a, 0) for a, b in zip(idx, idx[1:])]
    out, pos = [], 0
    for s in sizes:
        out.append(make_view(input, SLICE, (d, pos, pos + s, 1)))
        pos += s
    return tuple(out)


DIAGONAL = defop("diagonal", lambda x, o, a, b: jnp.diagonal(x, o, a, b), grad_fn="DiagonalBackward0", saves=False, view=True)


@export("diagonal")
def diagonal(input, offset=0, dim1=0, dim2=1):
    return make_view(input, DIAGONAL, (offset, wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)))


# ---- copies ----------------------------------------------------------------------------
CLONE = defop("clone", lambda x: x + jnp.zeros((), x.dtype) if x.dtype != jnp.bool_ else jnp.array(x), grad_fn="CloneBackward0", saves=False)
CAT = defop("cat", lambda *a: jnp.concatenate([x.astype(a[-1]) for x in a[:-2]], axis=a[-2]), grad_fn="CatBackward0", saves=False)
STACK = defop("stack", lambda *a: jnp.stack([x.astype(a[-1]) for x in a[:-2]], axis=a[-2]), grad_fn="StackBackward0", saves=False)
FLIP = defop("flip", lambda x, dims: jnp.flip(x, dims), grad_fn="FlipBackward0", saves=False)
ROLL = defop("roll", lambda x, shifts, dims: jnp.roll(x, shifts, dims), grad_fn="RollBackward0", saves=False)
REPEAT = defop("repeat", lambda x, reps: jnp.tile(x, reps), grad_fn="RepeatBackward0", saves=False)
TRIL = defop("tril", lambda x, k: jnp.tril(x, k), grad_fn="TrilBackward0", saves=False)
TRIU = defop("triu", lambda x, k: jnp.triu(x, k), grad_fn="TriuBackward0", saves=False)


@export("clone")
def clone(input, *, memory_format=None):
    return record(CLONE, (input,), ())


@export("contiguous", function=False)
def contiguous(self, memory_format=None):
    return self if is_contiguous(self) else clone(self)


@export("cat", "concat", "concatenate", method=False)
def cat(tensors, dim=0, *, out=None):
    from .frontend import promote

    tensors = list(tensors)
    if _AMP[0]:
        tensors = list(_amp_cast("cat", *tensors))
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    position = {id(t): i for i, t in enumerate(tensors)}
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    if not nonempty:
        return tensors[0].clone()
    ref = nonempty[0]
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(nonempty):
        if t.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}"
            )
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} but got size {t.shape[k]} for tensor number {position[id(t)]} in the list."
                )
    dt = promote(*nonempty)
    return record(CAT, tuple(nonempty), (d, dt.np))


@export("stack", method=False)
def stack(tensors, dim=0, *, out=None):
    from .frontend import promote

    tensors = list(tensors)
    if _AMP[0]:
        tensors = list(_amp_cast("stack", *tensors))
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry {i}"
            )
    d = wrap_dim(dim, tensors[0].ndim + 1)
    return record(STACK, tuple(tensors), (d, promote(*tensors).np))


@export("hstack", method=False)
def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@export("vstack", "row_stack", method=False)
def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


@export("atleast_1d", method=False)
def atleast_1d(input):
    return reshape(input, (1,)) if input.ndim == 0 else input


@export("atleast_2d", method=False)
def atleast_2d(input):
    if input.ndim >= 2:
        return input
    return reshape(input, (1, max(input.numel(), 1)) if input.ndim == 0 else (1, input.shape[0]))


@export("flip")
def flip(input, *dims):
    _require(dims, "flip", "dims")
    dims = _shape_args(dims)
    return record(FLIP, (input,), (tuple(wrap_dim(d, input.ndim) for d in dims),))


@export("fliplr")
def fliplr(input):
    return flip(input, 1)


@export("flipud")
def flipud(input):
    return flip(input, 0)


@export("roll")
def roll(input, shifts, dims=None):
    if dims is None:
        return reshape(record(ROLL, (flatten(input),), (shifts if isinstance(shifts, int) else tuple(shifts), 0)), tuple(input.shape))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return record(ROLL, (input,), (shifts, tuple(wrap_dim(d, input.ndim) for d in dims)))


@export("repeat", function=False)
def repeat(self, *sizes):
    _require(sizes, "repeat", "repeats")
    sizes = _shape_args(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    x = self
    if len(sizes) > self.ndim:
        x = reshape(self, (1,) * (len(sizes) - self.ndim) + tuple(self.shape))
    return record(REPEAT, (x,), (sizes,))


@export("tile")
def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


@export("tril", inplace_names=("tril_",))
def tril(input, diagonal=0):
    return record(TRIL, (input,), (int(diagonal),))


@export("triu", inplace_names=("triu_",))
def triu(input, diagonal=0):
    return record(TRIU, (input,), (int(diagonal),))


from . import shape_more  # noqa: E402,F401 - meshgrid, repeat_interleave, rot90, block_diag, as_strided, ...
from . import inplace_views  # noqa: E402,F401 - t_, transpose_, squeeze_, unsqueeze_
