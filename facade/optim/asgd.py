"""torch.optim.ASGD: SGD with a decaying step size and a running average of the iterates ('ax')."""
from .._creation import zeros_like
from .._ops.optim_more_ops import ASGD as _ASGD_OP
from .._tensor import Tensor
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_lr, check_nonneg, step_tensor

__all__ = ["ASGD"]


class ASGD(FusedOptimizer):
    op = _ASGD_OP
    state_names = ("eta", "mu", "ax")
    scalar_states = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def new_state(self, p, g, group):
        lr = group["lr"]
        return dict(eta=step_tensor(lr.item() if isinstance(lr, Tensor) else lr), mu=step_tensor(1.0),
                    ax=zeros_like(p))

    def hypers(self, group):
        return (live(group, "lr"), live(group, "lambd"), live(group, "alpha"), live(group, "t0"),
                live(group, "weight_decay"))

    def flags(self, group):
        return group["maximize"], group["weight_decay"] != 0
