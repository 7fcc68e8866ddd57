"""torch.optim.Adam and AdamW (Adam with decoupled weight decay)."""
from .._creation import zeros_like
from .._ops.optim_ops import ADAM, ADAM_AMSGRAD
from .._tensor import Tensor
from ..jit.live_numbers import live
from ._update import apply
from ._validate import check_betas, check_fused_flags, check_lr, check_nonneg, step_tensor, tensor_steps
from .optimizer import Optimizer, use_grad_for_differentiable, with_grads

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setdefault_groups(amsgrad=False, maximize=False, foreach=None, capturable=False, differentiable=False,
                                decoupled_weight_decay=False, fused=None)
        tensor_steps(self)

    def _state_for(self, p, amsgrad):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = step_tensor()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    @use_grad_for_differentiable
    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = live(group, "betas")  # operands read through jit.live (see sgd.py)
            amsgrad, wd = group["amsgrad"], group["weight_decay"]
            hypers = (live(group, "lr"), beta1, beta2, live(group, "eps"), live(group, "weight_decay"))
            flags = (group["maximize"], group["decoupled_weight_decay"], wd != 0)
            for p, g in with_grads(group):
                st = self._state_for(p, amsgrad)
                targets = (p, st["step"], st["exp_avg"], st["exp_avg_sq"])
                if amsgrad:
                    targets += (st["max_exp_avg_sq"],)
                apply(ADAM_AMSGRAD if amsgrad else ADAM, targets, targets[:1] + (g,) + targets[1:], hypers, flags)
        return loss


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
