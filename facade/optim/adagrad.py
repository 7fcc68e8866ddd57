"""torch.optim.Adagrad: lr decay, initial accumulator value, eps outside the root."""
from .._creation import full_like
from .._ops.optim_ops import ADAGRAD
from ..jit.live_numbers import live
from ._update import apply
from ._validate import check_fused_flags, check_lr, check_nonneg, step_tensor, tensor_steps
from .optimizer import Optimizer, use_grad_for_differentiable, with_grads

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg(lr_decay, "lr_decay value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(initial_accumulator_value, "initial_accumulator_value value")
        check_nonneg(eps, "epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)
        # unlike the other optimizers, Adagrad's state exists from construction on
        for group in self.param_groups:
            for p in group["params"]:
                self._state_for(p, group)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setdefault_groups(foreach=None, maximize=False, differentiable=False, fused=None)
        tensor_steps(self)

    def _state_for(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            init = group["initial_accumulator_value"]
            state["step"] = step_tensor()
            state["sum"] = full_like(p, complex(init, init) if p.is_complex() else init)
        return state

    @use_grad_for_differentiable
    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            wd = group["weight_decay"]
            hypers = (live(group, "lr"), live(group, "lr_decay"), live(group, "eps"), live(group, "weight_decay"))
            flags = (group["maximize"], wd != 0)
            for p, g in with_grads(group):
                st = self._state_for(p, group)
                apply(ADAGRAD, (p, st["step"], st["sum"]), (p, g, st["step"], st["sum"]), hypers, flags)
        return loss
