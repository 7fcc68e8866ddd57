"""torch.optim.SGD: momentum, dampening, Nesterov, weight decay, maximize."""
from .._creation import zeros_like
from .._ops.optim_ops import SGD as _SGD_OP
from .._ops.optim_ops import SGD_MOMENTUM
from ..jit.live_numbers import live
from ._update import apply
from .optimizer import Optimizer, use_grad_for_differentiable, with_grads
from ._validate import check_fused_flags, check_lr, check_nonneg

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg(momentum, "momentum value")
        check_nonneg(weight_decay, "weight_decay value")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setdefault_groups(nesterov=False, maximize=False, foreach=None, differentiable=False, fused=False)

    @use_grad_for_differentiable
    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            # operands read through jit.live: a scheduler's change reaches a facade.jit-compiled step
            lr, wd, momentum = live(group, "lr"), live(group, "weight_decay"), live(group, "momentum")
            flags = (group["maximize"], group["weight_decay"] != 0)
            for p, g in with_grads(group):
                if group["momentum"] == 0:
                    apply(_SGD_OP, (p,), (p, g), (lr, wd), flags)
                    continue
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    # PyTorch's first buffer is the gradient itself: a zero buffer with an
                    # undampened gradient gives exactly that (see optim_ops._sgd)
                    buf = state["momentum_buffer"] = zeros_like(p)
                    damp_scale = 1.0
                else:
                    damp_scale = 1 - live(group, "dampening")
                apply(SGD_MOMENTUM, (p, buf), (p, g, buf), (lr, wd, momentum, damp_scale),
                      (group["nesterov"],) + flags)
        return loss
