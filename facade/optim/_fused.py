"""The shape shared by the optimizers whose step is one fused update op per parameter and whose
state is fixed: "step" first, then the tensors a subclass names, handed to the op in that order."""
from .._creation import zeros_like
from ._update import apply
from ._validate import check_fused_flags, step_tensor, tensor_states, tensor_steps
from .optimizer import Optimizer, use_grad_for_differentiable, with_grads

_LOADED_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)


class FusedOptimizer(Optimizer):
    """A subclass sets `op` and `state_names` (the state after "step", in the op's operand order),
    and defines `hypers(group)` (operands) and `flags(group)` (static arguments); `scalar_states`
    names the 0-dim state tensors besides "step", and `new_state` builds a parameter's first
    state when not every tensor starts at zeros_like(p)."""
    op = None
    state_names = ()
    scalar_states = ()
    loaded_defaults = _LOADED_DEFAULTS  # the flags an old state_dict may lack, with their defaults

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        check_fused_flags(None, defaults.get("foreach"), defaults.get("differentiable"))

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setdefault_groups(**self.loaded_defaults)
        tensor_steps(self)
        if self.scalar_states:
            tensor_states(self, *self.scalar_states)

    def new_state(self, p, g, group):
        return {name: zeros_like(p) for name in self.state_names}

    def hypers(self, group):
        raise NotImplementedError

    def flags(self, group):
        raise NotImplementedError

    @use_grad_for_differentiable
    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            hypers, flags = self.hypers(group), self.flags(group)
            for p, g in with_grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = step_tensor()
                    state.update(self.new_state(p, g, group))
                targets = (p, state["step"]) + tuple(state[name] for name in self.state_names)
                apply(self.op, targets, targets[:1] + (g,) + targets[1:], hypers, flags)
        return loss
