"""The pruning methods: Identity, RandomUnstructured, L1Unstructured, RandomStructured,
LnStructured and CustomFromMask.

`amount` is a count (an int) or a fraction (a float in [0, 1], rounded to a count of the
entries / slices considered). Unstructured methods zero single entries; structured ones zero
whole slices along `dim`. Each compute_mask starts from the mask already in force and only adds
zeros to it; the scores it ranks are those given, whether or not the mask already zeroes them.
"""
import numbers

from .... import _creation
from ._base import BasePruningMethod

__all__ = ["Identity", "RandomUnstructured", "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask"]


# ---- amounts, dims -----------------------------------------------------------------------------------


def _checked_amount(amount):
    """`amount` as given to a constructor, rejected unless an int >= 0 or a float in [0, 1]."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if amount < 0 or (not isinstance(amount, numbers.Integral) and amount > 1):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")
    return amount


def _how_many(amount, available):
    """The number of entries / slices to prune out of `available`."""
    if isinstance(amount, numbers.Integral):
        if amount > available:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={available}")
        return int(amount)
    return round(amount * available)


def _checked_dim(t, dim):
    """The dimension structured pruning slices along, once `t` is known to have slices there."""
    if len(t.shape) <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {t.shape} with {len(t.shape)} dims")
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
    return dim


# ---- building masks ----------------------------------------------------------------------------------


def _zero_entries(default_mask, flat_indices):
    """A copy of `default_mask` with the entries at `flat_indices` (row-major) set to 0."""
    mask = default_mask.clone()
    if len(flat_indices):
        flat = mask.reshape(-1)
        flat[flat_indices] = 0
        mask = flat.reshape(default_mask.shape)
    return mask


def _keep_slices(t, dim, kept, default_mask):
    """Ones on the slices `kept` along `dim` (in t's dtype), times `default_mask`."""
    size = t.shape[dim]
    along = _creation.zeros(size, dtype=t.dtype, device=t.device)
    if len(kept):
        along[kept] = 1
    shape = [1] * t.dim()
    shape[dim] = size
    return along.reshape(shape) * default_mask.to(dtype=t.dtype)


# ---- the methods ---------------------------------------------------------------------------------


class Identity(BasePruningMethod):
    """Prunes nothing: the reparametrization alone (the mask is all ones)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Zeroes `amount` entries chosen at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        self.amount = _checked_amount(amount)

    def compute_mask(self, t, default_mask):
        k = _how_many(self.amount, t.numel())
        return _zero_entries(default_mask, _creation.randperm(t.numel(), device=t.device)[:k])

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Zeroes the `amount` entries of smallest absolute value."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        self.amount = _checked_amount(amount)

    def compute_mask(self, t, default_mask):
        k = _how_many(self.amount, t.numel())
        if k == 0:
            return default_mask
        smallest = t.detach().abs().reshape(-1).topk(k, largest=False).indices
        return _zero_entries(default_mask, smallest)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Zeroes `amount` slices along `dim`, chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        self.amount = _checked_amount(amount)
        self.dim = dim

    def compute_mask(self, t, default_mask):
        dim = _checked_dim(t, self.dim)
        size = t.shape[dim]
        k = _how_many(self.amount, size)
        if k == 0:
            return default_mask
        kept = _creation.randperm(size, device=t.device)[: size - k]
        return _keep_slices(t, dim, kept, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Zeroes the `amount` slices along `dim` of smallest `n`-norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        self.amount = _checked_amount(amount)
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        dim = _checked_dim(t, self.dim)
        size = t.shape[dim]
        k = _how_many(self.amount, size)
        if k == 0:
            return default_mask
        across = [d for d in range(t.dim()) if d != dim % t.dim()]
        norms = t.detach().norm(p=self.n, dim=across)
        kept = norms.topk(size - k, largest=True).indices
        return _keep_slices(t, dim, kept, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Zeroes where a given mask is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(f"default_mask shape {default_mask.shape} must match self.mask shape "
                                 f"{self.mask.shape}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)
