"""torch.optim.RMSprop: smoothing constant alpha, eps outside the root, centered, momentum."""
from .._creation import zeros_like
from .._ops.optim_ops import RMSPROP
from ..jit.live_numbers import live
from ._update import apply
from ._validate import check_fused_flags, check_lr, check_nonneg, step_tensor, tensor_steps
from .optimizer import Optimizer, use_grad_for_differentiable, with_grads

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_nonneg(momentum, "momentum value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(alpha, "alpha value")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)
        check_fused_flags(None, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setdefault_groups(momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                                capturable=False)
        tensor_steps(self)

    def _state_for(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = step_tensor()
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        return state

    @use_grad_for_differentiable
    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            centered, with_momentum, wd = group["centered"], group["momentum"] > 0, group["weight_decay"]
            op = RMSPROP[(bool(centered), with_momentum)]
            hypers = (live(group, "lr"), live(group, "alpha"), live(group, "eps"), live(group, "weight_decay"),
                      live(group, "momentum"))
            flags = (group["maximize"], wd != 0)
            for p, g in with_grads(group):
                st = self._state_for(p, group)
                # the op's state order: square_avg [, grad_avg] [, momentum_buffer]
                states = (st["square_avg"],) + ((st["grad_avg"],) if centered else ()) + (
                    (st["momentum_buffer"],) if with_momentum else ())
                apply(op, (p, st["step"]) + states, (p, g, st["step"]) + states, hypers, flags)
        return loss
