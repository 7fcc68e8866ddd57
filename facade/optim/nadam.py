"""torch.optim.NAdam: Adam with Nesterov momentum on Dozat's momentum schedule."""
from .._creation import zeros_like
from .._ops.optim_more_ops import NADAM
from ..jit.live_numbers import live
from ._fused import FusedOptimizer
from ._validate import check_betas, check_lr, check_nonneg, step_tensor

__all__ = ["NAdam"]


class NAdam(FusedOptimizer):
    op = NADAM
    state_names = ("mu_product", "exp_avg", "exp_avg_sq")
    scalar_states = ("mu_product",)
    loaded_defaults = dict(FusedOptimizer.loaded_defaults, decoupled_weight_decay=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(momentum_decay, "momentum_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def new_state(self, p, g, group):
        return dict(mu_product=step_tensor(1.0), exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p))

    def hypers(self, group):
        return (live(group, "lr"), *live(group, "betas"), live(group, "eps"), live(group, "weight_decay"),
                live(group, "momentum_decay"))

    def flags(self, group):
        return group["maximize"], group["decoupled_weight_decay"], group["weight_decay"] != 0
