"""The legacy tensor types: torch.FloatTensor, torch.LongTensor, ... and torch.cuda.FloatTensor, ...

Each is a class of its own (PyTorch's `torch.tensortype`), not a subclass of Tensor: calling it
makes a tensor of its dtype (`torch.LongTensor([1, 2])`, `torch.FloatTensor(2, 3)`), and
`isinstance(t, torch.LongTensor)` asks whether t has that dtype (and device type).
"""
from . import _dtype
from ._device import _LEGACY

__all__ = ["CPU_TYPES", "CUDA_TYPES", "legacy_dtype"]


class tensortype(type):
    """The type of the legacy tensor types."""

    def __instancecheck__(cls, obj):
        from ._tensor import Tensor

        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.is_cuda == cls.is_cuda

    def __call__(cls, *args, device=None):
        from ._creation import tensor, zeros
        from ._tensor import Size, Tensor

        if cls.is_cuda:
            device = device or "cuda"
        if all(isinstance(a, int) for a in args):
            return zeros(*(args or (0,)), dtype=cls.dtype, device=device)  # (uninitialised in PyTorch)
        if len(args) == 1:
            data = args[0]
            if isinstance(data, Size):
                return zeros(*data, dtype=cls.dtype, device=device)
            if isinstance(data, Tensor):
                if data.dtype is not cls.dtype:
                    raise TypeError(f"expected {cls.dtype} tensor (got {data.dtype} tensor)")
                return data
            if isinstance(data, (list, tuple)) or hasattr(data, "__array__"):
                return tensor(data, dtype=cls.dtype, device=device)
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)})")

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _types(module, is_cuda):
    out = {}
    for dname, name in _LEGACY.items():
        out[name] = tensortype(name, (), {"dtype": _dtype._NAMES[dname], "is_cuda": is_cuda, "__module__": module})
    return out


CPU_TYPES = _types("torch", False)
CUDA_TYPES = _types("torch.cuda", True)


def legacy_dtype(t):
    """The dtype a legacy type (class or its name, 'torch.LongTensor') stands for; None if t is neither."""
    if isinstance(t, tensortype):
        return t.dtype
    if isinstance(t, str):
        cls = (CUDA_TYPES if t.startswith("torch.cuda.") else CPU_TYPES).get(t.split(".")[-1])
        return cls.dtype if cls is not None else None
    return None
