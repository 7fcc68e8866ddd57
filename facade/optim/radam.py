"""torch.optim.RAdam: Adam with the variance of the adaptive learning rate rectified."""
from .._ops.optim_more_ops import RADAM
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_betas, check_lr, check_nonneg

__all__ = ["RAdam"]


class RAdam(FusedOptimizer):
    op = RADAM
    state_names = ("exp_avg", "exp_avg_sq")
    loaded_defaults = dict(FusedOptimizer.loaded_defaults, decoupled_weight_decay=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def hypers(self, group):
        return (live(group, "lr"), *live(group, "betas"), live(group, "eps"), live(group, "weight_decay"))

    def flags(self, group):
        return group["maximize"], group["decoupled_weight_decay"], group["weight_decay"] != 0
