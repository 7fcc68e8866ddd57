"""Recording one fused optimizer update and writing its results back in place."""
from .._dispatch import record
from .._tensor import Tensor
from .._ops.frontend import write_result
from .._ops.optim_ops import KEEP_STATE


def hyper(x):
    """A hyperparameter as an op operand: Python numbers as float (so an int lr and a float lr
    share one compiled program), tensors (a tensor lr) as they are."""
    return x if isinstance(x, Tensor) else float(x)


def apply(op, targets, inputs, hypers, statics=()):
    """Record op(*inputs, *hypers, *statics) and write its outputs into `targets`, in order.

    Runs under no_grad (the optimizers' step() sets it), so the update is not recorded for
    autograd; each write bumps the target's version counter, as PyTorch's in-place update does.
    """
    outs = record(op, tuple(inputs) + tuple(hyper(h) for h in hypers), tuple(statics))
    if not isinstance(outs, tuple):
        outs = (outs,)
    elif len(outs) > 1:
        outs = (record(KEEP_STATE, outs),) + outs[1:]
    for t, out in zip(targets, outs):
        write_result(t, out._storage.node)
