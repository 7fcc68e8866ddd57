"""torch.nn.utils.rnn: PackedSequence and the functions that pack, pad and unpad sequences.

A PackedSequence holds the rows of a batch of variable-length sequences, step by step: step t
holds one row for each sequence still running, longest sequences first. Its `batch_sizes` (a
CPU int64 tensor) say how many rows each step has; `sorted_indices` / `unsorted_indices`, when
the batch was sorted by length here, map between the caller's order and that one. The
recurrent layers (facade/nn/modules/rnn.py) take one as input and return one.

The packing and padding themselves are ops (facade/_ops/packing_ops.py); their layout comes
from the batch sizes, which are read on the host.
"""

from collections.abc import Iterable
from typing import NamedTuple

from ... import _creation, _dtype
from ..._dispatch import record
from ..._ops import packing_ops as ops
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(t, fn):
    return None if t is None else fn(t)


class PackedSequence(PackedSequence_):
    """The packed rows of a batch of variable-length sequences (see the module docstring).

    Made by pack_padded_sequence / pack_sequence, and by the recurrent layers; constructed
    directly as PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)
    or PackedSequence((data, batch_sizes)).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created manually. "
                "They should be instantiated by functions like pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """`data.to(...)`; the indices follow data's device. Returns self when data is unchanged."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        non_blocking = kwargs.get("non_blocking", False)

        def move(t):
            return t.to(data.device, non_blocking=non_blocking)

        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, move), _bind(self.unsorted_indices, move))

    def cuda(self, *args, **kwargs):
        ex = _creation.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        ex = _creation.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes, _bind(self.sorted_indices, Tensor.pin_memory),
                          _bind(self.unsorted_indices, Tensor.pin_memory))

    def double(self):
        return self.to(dtype=_dtype.float64)

    def float(self):
        return self.to(dtype=_dtype.float32)

    def half(self):
        return self.to(dtype=_dtype.float16)

    def long(self):
        return self.to(dtype=_dtype.int64)

    def int(self):
        return self.to(dtype=_dtype.int32)

    def short(self):
        return self.to(dtype=_dtype.int16)

    def char(self):
        return self.to(dtype=_dtype.int8)

    def byte(self):
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The inverse of a 1-D permutation tensor (None for None)."""
    if permutation is None:
        return None
    out = _creation.empty_like(permutation)
    return out.scatter_(0, permutation, _creation.arange(0, permutation.numel(), device=permutation.device))


def host_sizes(batch_sizes):
    """A PackedSequence's batch sizes as a tuple of ints: kept on the tensor when it was made here
    (so a facade.jit trace, where a tensor has no host value, can still lay out its rows)."""
    sizes = getattr(batch_sizes, "_host_sizes", None)
    return sizes if sizes is not None else tuple(int(v) for v in batch_sizes.tolist())


def _sizes_tensor(sizes):
    t = _creation.tensor(list(sizes), dtype=_dtype.int64)
    t._host_sizes = sizes
    return t


def _batch_sizes(lengths):
    """A sorted (non-increasing) list of positive lengths -> its batch sizes, step by step."""
    sizes, b = [], len(lengths)
    for t in range(lengths[0]):
        while lengths[b - 1] <= t:
            b -= 1
        sizes.append(b)
    return tuple(sizes)


def _pack(input, values, batch_first):
    """PyTorch's _pack_padded_sequence on host lengths: (data, batch_sizes), with its checks in its order."""
    for d in (0, 1):
        if input.ndim <= d:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                             f"{max(input.ndim, 1) - 1}], but got {1 - d if input.ndim == 0 else 1})")
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    if len(values) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} "
                           f"(batch_size={batch})")
    if values[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if any(values[i] < values[i + 1] for i in range(batch - 1)):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
            "you do not need ONNX exportability.")
    if values[0] > steps:  # PyTorch reads past the input here; facade refuses
        raise RuntimeError(f"pack_padded_sequence: a sequence length ({values[0]}) is larger than the padded "
                           f"input's number of steps ({steps})")
    sizes = _batch_sizes(values)
    data = record(ops.PACK, (input,), (sizes, bool(batch_first)))
    return data, _sizes_tensor(sizes)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) when batch_first) of sequences of the given lengths.

    enforce_sorted=True expects lengths in decreasing order; False sorts the batch here and
    records the permutation in the result's sorted_indices / unsorted_indices.
    """
    if isinstance(lengths, Tensor):
        lengths = lengths.to(dtype=_dtype.int64)
        if lengths.ndim != 1 or lengths.device.type != "cpu":
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D "
                               f"{lengths.device} Long tensor")
        values = [int(v) for v in lengths.tolist()]
    else:  # a list of lengths stays on the host (PyTorch makes it an int64 tensor: floats truncate)
        values = [int(v) for v in lengths]
    sorted_indices = None
    if not enforce_sorted:  # longest first, ties in their order (facade's sort is stable; PyTorch's need not be)
        order = sorted(range(len(values)), key=lambda b: -values[b])
        values = [values[b] for b in order]
        sorted_indices = _creation.tensor(order, dtype=_dtype.int64, device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack(input, values, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch (T, B, *) ((B, T, *) when batch_first) of a PackedSequence, and its lengths,
    in the order the sequences had before packing; T is total_length when given."""
    sizes = host_sizes(sequence.batch_sizes)
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    padded = record(ops.PAD_PACKED, (sequence.data,), (sizes, bool(batch_first), padding_value, int(steps)))
    padded._vc[0] += 1 + len(set(sizes))  # PyTorch fills, then copies each run of equal batch sizes in
    lengths = _creation.tensor([sum(1 for n in sizes if n > b) for b in range(sizes[0])], dtype=_dtype.int64)
    if sequence.unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices.cpu()])
    return padded, lengths


def _pad_checks(seqs, padding_side):
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    if seqs[0].ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    trailing = tuple(seqs[0].shape[1:])
    for s in seqs[1:]:
        if s.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    from ..._dispatch import _raise_broadcast_error

    for s in seqs:  # each sequence is copied into a (len, *trailing) slice: it must broadcast to it
        dst = (s.shape[0],) + trailing
        _raise_broadcast_error([dst, tuple(s.shape)])
        nd = max(len(dst), s.ndim)
        full = [1] * (nd - len(dst)) + list(dst)
        src = [1] * (nd - s.ndim) + list(s.shape)
        shape = [max(a, b) for a, b in zip(full, src)]
        if tuple(shape) != dst:
            raise RuntimeError(f"output with shape {list(dst)} doesn't match the broadcast shape {shape}")
    return trailing


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) padded with padding_value to the longest: (T, B, *) or (B, T, *).

    Every sequence is copied (broadcast, cast) into a tensor of the first one's dtype.
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    if not isinstance(batch_first, bool):
        raise TypeError(f"pad_sequence(): argument 'batch_first' (position 2) must be bool, not "
                        f"{type(batch_first).__name__}")
    seqs = tuple(sequences)
    trailing = _pad_checks(seqs, padding_side)
    max_len = max(s.shape[0] for s in seqs)
    dt = seqs[0].dtype
    statics = (batch_first, padding_value, padding_side == "left", max_len, trailing, dt.np)
    out = record(ops.PAD_SEQUENCE, seqs, statics)
    out._vc[0] += len(seqs) + 1  # PyTorch fills a new tensor, then copies each sequence in
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences in a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)  # as PyTorch: the caller's tensor is transposed in place
    max_length = padded_sequences.shape[1]
    idx = _creation.arange(max_length, device=lengths.device)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths, strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = _creation.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a PackedSequence, in their order before packing."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
