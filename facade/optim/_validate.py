"""Hyperparameter checks shared by the optimizers, with PyTorch's messages."""
from .._tensor import Tensor


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(value, what):
    """`what` names the value as PyTorch's message does: 'epsilon value', 'momentum value', ..."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas):
    for i in range(2):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_fused_flags(fused, foreach, differentiable):
    if differentiable:
        # PyTorch can differentiate through a step; facade's fused update ops are not recorded
        # for autograd, so say so rather than silently returning non-differentiable results
        raise NotImplementedError("facade.optim: differentiable=True is not supported")
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def scalar_dtype():
    """The dtype of a 'step' state tensor: float64 under a float64 default dtype, else float32."""
    from .. import _dtype

    return _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32


def step_tensor(value=0.0):
    from .._creation import tensor

    return tensor(float(value), dtype=scalar_dtype())


def tensor_steps(optimizer):
    """Turn plain-number 'step' entries (an old checkpoint's) into step tensors."""
    tensor_states(optimizer, "step")


def tensor_states(optimizer, *keys):
    """Turn plain-number scalar state entries (NAdam's 'mu_product', ASGD's 'eta' and 'mu' in
    an old checkpoint) into scalar tensors of the step dtype, as PyTorch's __setstate__ does."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            for key in keys:
                if st and key in st and not isinstance(st[key], Tensor):
                    st[key] = step_tensor(st[key])
