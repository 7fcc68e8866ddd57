"""torch.optim.Rprop: per-element step sizes grown or shrunk by the sign of successive gradients."""
from .._creation import full_like, zeros_like
from .._ops.optim_more_ops import RPROP
from .._tensor import Tensor
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_lr

__all__ = ["Rprop"]


class Rprop(FusedOptimizer):
    op = RPROP
    state_names = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def new_state(self, p, g, group):
        lr = group["lr"]
        lr = lr.item() if isinstance(lr, Tensor) else lr  # the initial step size, read once
        return dict(prev=zeros_like(p), step_size=full_like(g, complex(lr, lr) if p.is_complex() else lr))

    def hypers(self, group):
        return live(group, "etas") + live(group, "step_sizes")

    def flags(self, group):
        return (group["maximize"],)
