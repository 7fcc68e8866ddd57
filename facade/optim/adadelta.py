"""torch.optim.Adadelta: steps scaled by RMS[dx] / RMS[g], times lr."""
from .._ops.optim_more_ops import ADADELTA
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_lr, check_nonneg

__all__ = ["Adadelta"]


class Adadelta(FusedOptimizer):
    op = ADADELTA
    state_names = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg(eps, "epsilon value")
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def hypers(self, group):
        return live(group, "lr"), live(group, "rho"), live(group, "eps"), live(group, "weight_decay")

    def flags(self, group):
        return group["maximize"], group["weight_decay"] != 0
