"""torch.nn.utils.parametrizations: ready-made parametrizations: weight_norm and spectral_norm
(in `_spectral_parametrization.py`). `orthogonal` is not implemented yet and raises NotImplementedError.
"""
from ..modules.module import Module
from . import parametrize
from ._spectral_parametrization import _SpectralNorm, spectral_norm  # noqa: F401

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dimension but `dim` (all of v when dim is -1), kept broadcastable."""
    if dim == -1:
        return v.norm()
    dims = [d for d in range(v.dim()) if d != dim]
    return v.norm(2, dim=dims, keepdim=True) if dims else v.abs()


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dim but `dim`).

    The magnitude g and direction v are stored as
    ``module.parametrizations.<name>.original0`` and ``original1``, as in PyTorch.
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    raise NotImplementedError("facade: torch.nn.utils.parametrizations.orthogonal is not implemented yet")

