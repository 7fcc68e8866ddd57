"""The errors a backward raises before it runs: the graph was freed by an earlier backward, or a
tensor one of its nodes saved has been modified in place since.

The in-place message names what PyTorch's does: the saved tensor's type and shape and, where it
has one, its grad_fn at the time of backward (`_grad_fn_now`) with the output index it was saved
at; for a saved output of the node itself, that node.
"""
import re

from .._ops.table import LEAF
from .._views import NO_GRAD_EDGE, NO_GRAD_VIEW_REBASE

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)


def _bad_version(vc, version, owner, what):
    """PyTorch's error for a saved value written to since `owner` (a node) saved it; `what` is
    the saved entry's node, or (index, shape, dtype) of one of owner's own outputs."""
    from .._device import _LEGACY

    from .graph import _output_index, wrap_node

    if what.__class__ is not tuple and what.op is NO_GRAD_EDGE:  # a view made under no_grad, its root since written
        return RuntimeError("A view was created in" + NO_GRAD_VIEW_REBASE)
    name = None
    if what.__class__ is tuple:  # one of owner's outputs: PyTorch names owner itself
        k, shape, dtype = what
        node, index = owner, dict(owner.op.saved_outputs or ()).get(k, k)
    else:  # an input: PyTorch names the tensor's grad_fn at the time of backward, with its index then
        shape, dtype, index = what.shape, what.dtype, _output_index(what)
        node, name = _grad_fn_now(what)
    sizes = ", ".join(map(str, shape))
    # PyTorch names a complex tensor here by its backend type (CPUComplexFloatType), others by tensor type
    kind = f"CPU{_LEGACY[dtype.name][:-len('Tensor')]}Type" if dtype.is_complex else f"torch.{_LEGACY[dtype.name]}"
    desc = f"[{kind} [{sizes}]]"
    if name is None and node.op is not None and node.op is not LEAF and node.requires_grad:
        name = wrap_node(node).name()
    if name is not None:
        # PyTorch 2.13 names the producing node without its "Backward<N>" suffix here, and its C++ nodes
        # (CopySlices) by their qualified names
        name = re.sub(r'Backward[0-9]*$', '', name)
        desc += f", which is output {index} of {_CPP_NODES.get(name, name)},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{desc} is at version {vc[0]}; expected version {version} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


_CPP_NODES = {name: "torch::autograd::" + name for name in ("CopySlices", "CopyBackwards")}


def _grad_fn_now(what):
    """(node, name) of the grad_fn that the tensor saved as node `what` has now, after the in-place
    writes that changed its version (name None: the node's own). A view written through any alias
    has a regenerated grad_fn (see Tensor._node); any other tensor's storage holds its latest
    write, whose node is its grad_fn unless written under no_grad (then the write before it).
    Where the tensor is gone, the node it was saved as."""
    from .._tensor import _REPLAYED_VIEWS

    if what.op is not None and what.op.view and what.out is None and what.requires_grad:
        if what.op.name in _REPLAYED_VIEWS:
            return what, None
        return what, "AsStridedBackward0"
    st = what.out() if what.out is not None else None
    if st is None:
        return what, None
    n = st.node
    while n is not what and not n.requires_grad and n.op is not None and n.op is not LEAF and n.args:
        n = n.args[0]  # an in-place write under no_grad: its first argument is the value it wrote over
    return (n, None) if n.requires_grad else (what, None)
