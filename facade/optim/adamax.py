"""torch.optim.Adamax: Adam with the infinity norm in place of the second moment."""
from .._ops.optim_more_ops import ADAMAX
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_betas, check_lr, check_nonneg

__all__ = ["Adamax"]


class Adamax(FusedOptimizer):
    op = ADAMAX
    state_names = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def hypers(self, group):
        return (live(group, "lr"), *live(group, "betas"), live(group, "eps"), live(group, "weight_decay"))

    def flags(self, group):
        return group["maximize"], group["weight_decay"] != 0
