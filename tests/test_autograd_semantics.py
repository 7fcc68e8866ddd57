"""Autograd, storage and error semantics, as scenarios run against facade and — when torch is
installed (nox -s oracle) — against PyTorch on the same inputs. Each scenario returns what a
user can observe: values, grads, grad_fn names, reprs and error messages. Without torch, the
values are checked against the maths written in each scenario's `expect`."""
import pytest

import facade
from scenarios import Scenarios, check, observer

try:
    import torch
except ImportError:  # the plain test session: maths-only checks
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5, first_line=True)


@scenario(expect=[("tensor", [4.0, 8.0, 12.0], "float32"), ("tensor", [8.0, 16.0, 24.0], "float32")])
def retain_grad(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y**2).sum().backward()
    return [y.grad, x.grad]


@scenario(expect=[("tensor", [80.0, 160.0, 240.0], "float32")])
def hook_replaces_intermediate_grad(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (y**2).sum().backward()
    return [x.grad]


@scenario(expect=[("tensor", [4.0, 4.0], "float32"), ("tensor", [3.0, 3.0], "float32")])
def leaf_hook_and_handle_removal(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    first = x.grad.clone()
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    return [first, x.grad]


@scenario(expect=[("tensor", [3.0, 12.0, 27.0], "float32"), ("tensor", [6.0, 12.0, 18.0], "float32")])
def grad_of_grad(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = T.autograd.grad((x**3).sum(), x, create_graph=True)
    (g2,) = T.autograd.grad(g.sum(), x)
    return [g, g2]


@scenario(expect=[False, True, False, [True, True]])
def create_graph_gradients_require_grad_only_when_computed_from_one(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0])
    linear = T.autograd.grad((w * x).sum(), x, create_graph=True)[0]  # = w: no tensor that requires grad
    square = T.autograd.grad((x * x).sum(), x, create_graph=True)[0]  # = 2x
    detached = T.autograd.grad((x.detach() * x).sum(), x, create_graph=True)[0]  # = x.detach()
    w.requires_grad_()
    both = T.autograd.grad((w * x).sum(), [x, w], create_graph=True)
    return [linear.requires_grad, square.requires_grad, detached.requires_grad, [g.requires_grad for g in both]]


@scenario(expect=("raised", "RuntimeError", "element 0 of tensors does not require grad and does not have a grad_fn"))
def second_derivative_of_a_linear_function(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    (g,) = T.autograd.grad((x * 3).sum(), x, create_graph=True)
    g.sum().backward()


@scenario(expect=[("tensor", 12.0, "float32"), ("tensor", 12.0, "float32")])
def backward_create_graph(T):
    x = T.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()
    return [g, x.grad]


@scenario(expect=("raised", "RuntimeError", "The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."))
def grad_unused_input(T):
    x = T.tensor(1.0, requires_grad=True)
    z = T.tensor(1.0, requires_grad=True)
    return T.autograd.grad(x * 2, [x, z])


@scenario(expect=[("tensor", 2.0, "float32"), None])
def grad_allow_unused(T):
    x = T.tensor(1.0, requires_grad=True)
    z = T.tensor(1.0, requires_grad=True)
    return list(T.autograd.grad(x * 2, [x, z], allow_unused=True))


@scenario(expect=[("tensor", 2.0, "float32"), None])
def backward_inputs(T):
    x = T.tensor(1.0, requires_grad=True)
    z = T.tensor(2.0, requires_grad=True)
    (x * z).backward(inputs=[x])
    return [x.grad, z.grad]


def _exp_fn(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            r = i.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    return Exp


@scenario(expect=[("tensor", [1.0, 2.71828], "float32"), ("tensor", [1.0, 2.71828], "float32"), "ExpBackward"])
def custom_function(T):
    x = T.tensor([0.0, 1.0], requires_grad=True)
    y = _exp_fn(T).apply(x)
    y.sum().backward()
    return [y, x.grad, type(y.grad_fn).__name__]


def _modified(desc, now, then):
    return ("raised", "RuntimeError", "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {desc}, is at version {now}; expected version {then} instead. Hint: enable anomaly "
            "detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


@scenario(expect=[("tensor", [4.0, 4.0], "float32")])
def custom_function_that_saved_nothing_backpropagates_twice(T):
    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            return i * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = Double.apply(x)
    y.sum().backward()
    y.sum().backward()  # nothing was saved, so nothing was freed
    return [x.grad]


def _first_times(T):
    class FirstTimes(T.autograd.Function):  # saves its first input only
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a)
            return a * b

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a, g * a

    return FirstTimes


@scenario(expect=[("tensor", [2.0, 3.0], "float32"), ("tensor", [2.0, 3.0], "float32"),
                  _modified("[torch.FloatTensor [2]], which is output 0 of Mul", 1, 0)])
def custom_function_checks_the_versions_of_what_it_saved_only(T):
    x = T.tensor([2.0, 3.0], requires_grad=True)
    y = T.tensor([5.0, 7.0], requires_grad=True)
    b = y * 1
    z = _first_times(T).apply(x * 1, b)
    b.mul_(2)  # not saved: no error
    z.sum().backward()
    a = x * 1
    z = _first_times(T).apply(a, y * 1)
    a.mul_(2)
    return [x.grad, y.grad, observe(lambda T: z.sum().backward(), T)]


@scenario(expect=[_modified("[torch.FloatTensor [2]], which is output 1 of Aminmax", 1, 0),
                  _modified("[torch.FloatTensor [2]], which is output 0 of Aminmax", 1, 0),
                  ("tensor", [0.0, 1.0, 1.0, 1.0, 0.0, 1.0], "float32"),
                  _modified("[torch.FloatTensor [2]], which is output 1 of LinalgSvd", 1, 0)])
def inplace_on_a_saved_output_names_its_index(T):
    def aminmax(which):
        def run(T):
            x = T.tensor([[1.0, 4.0], [3.0, 2.0]], requires_grad=True)
            parts = T.aminmax(x, dim=0)
            for k in which:
                parts[k].mul_(1)
            sum(parts).sum().backward()
        return run

    x = T.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]], requires_grad=True)
    s, m = T.std_mean(x, dim=1)
    m.mul_(2)  # std_mean saves the std, not the mean
    (m.sum() * 0 + s.sum() * 0 + (x * (x > 1)).sum()).backward()

    def svdvals(T):
        sv = T.linalg.svdvals(T.tensor([[3.0, 0.0], [0.0, 2.0]], requires_grad=True))
        sv.mul_(1)
        sv.sum().backward()

    return [observe(aminmax((0, 1)), T), observe(aminmax((0,)), T), x.grad.flatten(), observe(svdvals, T)]


@scenario(expect=_modified("[torch.FloatTensor [2]], which is output 0 of Exp", 1, 0))
def inplace_on_saved_output(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


@scenario(expect=[("tensor", [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]], "float32"), "CopySlices"])
def write_through_view_of_nonleaf(T):
    x = T.ones(2, 3, requires_grad=True)
    y = x.clone()
    y[0] = y[0] * 3
    y.sum().backward()
    return [x.grad, type(y.grad_fn).__name__]


@scenario(expect=("raised", "RuntimeError", "a leaf Variable that requires grad is being used in an in-place operation."))
def inplace_on_leaf(T):
    T.ones(2, requires_grad=True).add_(1)


@scenario(expect=("raised", "RuntimeError", "a view of a leaf Variable that requires grad is being used in an in-place operation."))
def inplace_on_view_of_leaf(T):
    T.ones(2, 2, requires_grad=True)[0].mul_(2)


@scenario(expect=[("tensor", [2.0, 2.0, 2.0], "float32"), 1, 0])
def detach_shares_storage_and_version(T):
    x = T.ones(3, requires_grad=True)
    d = x.detach()
    d.mul_(2)
    w = T.ones(2, requires_grad=True)
    w.data.mul_(3)  # .data: shared storage, separate version counter
    return [x, x._version, w._version]


@scenario(expect=[("tensor", [[5.0, 5.0, 9.0], [0.0, 0.0, 7.0]], "float32"), ("tensor", [5.0, 5.0, 9.0], "float32")])
def views_see_writes(T):
    base = T.zeros(2, 3)
    v = base[0]
    v.fill_(5)
    base[1, 2] = 7
    t = base.t()
    t[2, 0] = 9
    return [base, v]


@scenario(expect=[("tensor", [4.0, 4.0], "float32")])
def in_place_under_no_grad_keeps_history(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with T.no_grad():
        y.add_(100)  # the values change, the graph (MulBackward0) stays
    (y * y.detach() / (y.detach())).sum().backward()
    return [x.grad * 2]


@scenario(expect=("raised", "RuntimeError", "Boolean value of Tensor with more than one value is ambiguous"))
def bool_ambiguous(T):
    bool(T.ones(2))


@scenario(expect=("raised", "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"))
def matmul_mismatch(T):
    T.ones(2, 3) @ T.ones(4, 5)


@scenario(expect=("raised", "RuntimeError", "grad can be implicitly created only for scalar outputs"))
def nonscalar_backward(T):
    (T.ones(2, requires_grad=True) * 2).backward()


@scenario(expect=("raised", "RuntimeError", "Only Tensors of floating point and complex dtype can require gradients"))
def int_requires_grad(T):
    T.tensor([1, 2], requires_grad=True)


@scenario(expect=("raised", "RuntimeError", "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."))
def requires_grad_false_on_nonleaf(T):
    (T.ones(2, requires_grad=True) * 2).requires_grad_(False)


@scenario(expect=[("tensor", 1.0, "float32"), ("tensor", 1.0, "float32")])
def add_does_not_free_graph(T):
    x = T.ones((), requires_grad=True)
    s = x + 2
    s.backward()
    g = x.grad.clone()
    s.backward()  # AddBackward0 saves nothing: a second backward is allowed
    return [g, x.grad - g]


@scenario(expect=[("tensor", [0.5, 1.0], "float32"), ("tensor", [2.5, 3.5], "float32"), "float32", "float64", "int64"])
def promotion(T):
    return [
        T.tensor([1, 2]) / T.tensor([2, 2]),
        T.tensor([1, 2]) + 1.5,
        str((T.ones(2) + T.tensor(1.0, dtype=T.float64)).dtype).split(".")[-1],
        str((T.ones(2, dtype=T.float64) + T.ones(2)).dtype).split(".")[-1],
        str((T.tensor([True]) + 1).dtype).split(".")[-1],
    ]


@scenario(expect=[[0.0, 0.5, 0.5], [1.0, 1.0]])
def kinks_and_ties(T):
    x = T.tensor([0.0, 1.0, 1.0], requires_grad=True)
    (T.relu(x[:1]).sum() + x[1:].max()).backward()  # relu'(0) = 0; max ties split evenly
    c = T.tensor([0.0, 1.0], requires_grad=True)
    c.clamp(0.0, 1.0).sum().backward()  # clamp passes the gradient at both (inclusive) bounds
    return [x.grad.tolist(), c.grad.tolist()]


@scenario(expect=[0.0, 0.0])
def abs_and_norm_at_zero(T):
    x = T.zeros(1, requires_grad=True)
    x.abs().sum().backward()
    z = T.zeros(3, requires_grad=True)
    z.norm().backward()
    return [x.grad.item(), z.grad.abs().sum().item()]


@scenario(expect=[[0.0, 0.0, 0.5], [0.0, -1.0, 0.0]])
def atan2_at_the_origin(T):
    y = T.tensor([0.0, 1.0, 0.0], requires_grad=True, dtype=T.float64)
    x = T.tensor([0.0, 0.0, 2.0], requires_grad=True, dtype=T.float64)
    T.atan2(y, x).sum().backward()  # PyTorch's gradient at (0, 0) is zero, not 0/0
    return [y.grad.tolist(), x.grad.tolist()]


@scenario(expect=[[2.0, 2.0], [2.0, 2.0], [2.0, 2.0], [2.0, 2.0], [0.0, 2.0, 5.0, 7.0]])
def writes_at_a_repeated_index_all_get_the_gradient(T):
    idx, weight = T.tensor([1, 1]), T.tensor([3.0, 2.0, 5.0, 7.0])
    grads = []
    for write in (lambda b, s: b.__setitem__(idx, s), lambda b, s: b.index_put_((idx,), s),
                  lambda b, s: b.index_copy_(0, idx, s), lambda b, s: b.put_(idx, s)):
        src = T.tensor([1.0, 4.0], requires_grad=True)
        b = T.zeros(4)
        write(b, src)
        (b * weight).sum().backward()  # the last write wins the value; both sources get the gradient
        grads.append(src.grad.tolist())
    base = T.ones(4, requires_grad=True)
    (base.scatter(0, T.tensor([0, 0]), T.tensor([1.0, 2.0])) * weight).sum().backward()
    return grads + [base.grad.tolist()]


@scenario()
def grad_fn_names_and_next_functions(T):
    x = T.ones(2, requires_grad=True)
    y = (x * 2 + 1).sum()
    fns = y.grad_fn.next_functions[0][0].next_functions
    return [type(y.grad_fn).__name__, [type(f).__name__ if f is not None else None for f, _ in fns]]


# in-place arithmetic and zero_ take a short path in their common form (facade/_ops/pointwise.py,
# _inplace_binary); these are the forms around it that must still behave as PyTorch's


@scenario(expect=[("tensor", [1.5, 2.5], "float32"), 1, ("tensor", [-1.0, 0.0], "float32"), 2, 3])
def inplace_arithmetic_bumps_versions(T):
    t = T.tensor([1.0, 2.0])
    t += 0.5
    v1 = t._version
    u = T.tensor([2.0, 2.0])
    u -= T.tensor([3.0, 2.0])
    u.mul_(1)
    w = T.ones(2)
    w.div_(2).zero_().add_(1)
    return [t, v1, u, u._version, w._version]


@scenario(expect=[("raised", "RuntimeError", "result type Float can't be cast to the desired output type Long"),
                  ("raised", "RuntimeError", "output with shape [2] doesn't match the broadcast shape [2, 2]")])
def inplace_result_must_fit(T):
    out = []
    for f in (lambda: T.tensor([1, 2]).add_(0.5), lambda: T.ones(2).add_(T.ones(2, 2))):
        try:
            f()
        except RuntimeError as e:
            out.append(("raised", "RuntimeError", str(e).split("\n")[0]))
    return out


@scenario(expect=("raised", "RuntimeError", "a leaf Variable that requires grad is being used in an in-place operation."))
def inplace_on_leaf_raises(T):
    w = T.ones(2, requires_grad=True)
    w.sub_(1.0)


@scenario(expect=("raised", "RuntimeError", "Subtraction, the `-` operator, with two bool tensors is not supported. "
                  "Use the `^` or `logical_xor()` operator instead."))
def inplace_sub_of_bools_raises(T):
    b = T.tensor([True, False])
    b -= T.tensor([True, True])


@scenario(expect=("raised", "RuntimeError", "one of the variables needed for gradient computation has been modified by "
                  "an inplace operation: [torch.FloatTensor [2]], which is output 0 of Mul, is at version 1; expected "
                  "version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its "
                  "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."))
def inplace_mul_of_a_saved_tensor_raises_at_backward(T):
    x = T.ones(2, requires_grad=True)
    a = x * 2
    b = a * a
    a.mul_(3.0)
    b.sum().backward()


@scenario(expect=[("tensor", [12.0, 12.0], "float32"), "MulBackward0", ("tensor", [3.0, 3.0], "float32")])
def inplace_mul_on_a_non_leaf_is_differentiated(T):
    x = T.ones(2, requires_grad=True)
    a = x * 2
    a.mul_(T.tensor([3.0, 3.0]))
    (a * 2).sum().backward()
    y = x.detach().clone()
    y.zero_()
    y += 3
    return [x.grad, type(a.grad_fn).__name__, y]


@scenario(expect=[("tensor", [0.0, 0.0], "float32"), 1, ("tensor", [2.0, 3.0], "float32")])
def zero_and_add_through_a_view(T):
    base = T.tensor([1.0, 2.0, 3.0, 4.0])
    v = base[:2]
    v.zero_()
    base[2:].add_(-1.0)
    return [v, v._version - base._version + 1, base[2:]]


@scenario(expect=["SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward1", "SqueezeBackward2", "SqueezeBackward2",
                  "SqueezeBackward2", "SqueezeBackward2", [3, 1]])
def squeeze_grad_fn_names_follow_the_overload(T):
    """squeeze(), squeeze(int) and squeeze(tuple) are three overloads in PyTorch; a tuple of one
    dim, an empty tuple and a dim that is not of size 1 keep their overload's name."""
    x = T.ones(1, 3, 1, requires_grad=True)
    outs = [x.squeeze(), x.squeeze(0), x.squeeze(1), x.squeeze((0,)), x.squeeze([1]), x.squeeze(()), x.squeeze((0, 2))]
    return [type(o.grad_fn).__name__ for o in outs] + [list(x.squeeze(dim=(0,)).shape)]


# in-place shape changes (facade/_ops/inplace_views.py): a view extends its chain, an unaliased tensor
# takes the new layout as its value


@scenario(expect=[[3, 2], "TransposeBackward1", 1, ("tensor", [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]], "float32"),
                  [1, 2, 3], "UnsqueezeBackward1", [2, 3], "SqueezeBackward3", [3], "SqueezeBackward4",
                  [3, 2], "SqueezeBackward5", 4])
def inplace_shape_changes(T):
    a = T.ones(2, 3, requires_grad=True)
    b = a * 1
    b.transpose_(0, 1)
    out = [list(b.shape), type(b.grad_fn).__name__, b._version]
    (b * T.arange(6.0).reshape(3, 2)).sum().backward()
    out.append(a.grad)
    c = a * 1
    c.unsqueeze_(0)
    out += [list(c.shape), type(c.grad_fn).__name__]
    c.squeeze_()
    out += [list(c.shape), type(c.grad_fn).__name__]
    d = T.ones(1, 3, requires_grad=True) * 2
    d.squeeze_(0)
    out += [list(d.shape), type(d.grad_fn).__name__]
    e = a * 1
    e.t_().swapaxes_(0, 1).swapdims_(1, 0).squeeze_((0,))
    return out + [list(e.shape), type(e.grad_fn).__name__, e._version]


@scenario(expect=[[3, 1], "TBackward1", ("tensor", [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]], "float32"),
                  "AsStridedBackward0", ("tensor", [[5.0, 5.0, 5.0], [1.0, 1.0, 1.0]], "float32")])
def inplace_shape_change_of_a_view_keeps_sharing_memory(T):
    a = T.ones(2, 3, requires_grad=True)
    b = a * 1
    v = b[0:1]
    v.t_()
    out = [list(v.shape), type(v.grad_fn).__name__]
    v.mul_(2)  # seen by the base, through the transposed view
    out += [b, type(v.grad_fn).__name__]
    b.sum().backward()
    (a * 1)[0:1].t_().mul_(3).sum().backward()
    return out + [a.grad]


@scenario(expect=[("raised", "RuntimeError", "a leaf Variable that requires grad is being used in an in-place "
                   "operation."),
                  ("raised", "RuntimeError", "a view of a leaf Variable that requires grad is being used in an "
                   "in-place operation."),
                  ("raised", "RuntimeError", "t_() expects a tensor with <= 2 dimensions, but self is 3D"),
                  ("raised", "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)")])
def inplace_shape_change_errors(T):
    out = []
    a = T.ones(2, 3, 1, requires_grad=True)
    for f in (lambda: a.t_(), lambda: a.squeeze(2).t_(), lambda: (a * 1).t_(), lambda: T.ones(2, 3).transpose_(0, 2)):
        try:
            f()
        except Exception as e:  # noqa: BLE001
            out.append(("raised", type(e).__name__, str(e)))
    return out


def test_an_aliased_tensor_refuses_an_in_place_shape_change():
    x = facade.ones(2, 3)
    d = x.detach()
    with pytest.raises(RuntimeError, match=r"facade: t_\(\) would change the shape of a tensor that shares its memory"):
        x.t_()
    del d
    assert list(x.t_().shape) == [3, 2]
    with facade.no_grad():
        p = facade.ones(2, 1, requires_grad=True)
        p.squeeze_(1)
    assert p.is_leaf and p.requires_grad and list(p.shape) == [2]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


def test_gradcheck_stays_a_function_after_its_module_is_imported():
    import subprocess
    import sys

    code = ("import facade.autograd.gradcheck\nfrom facade.autograd.gradcheck import GradcheckError\nimport facade as torch\n"
            "x = torch.randn(3, dtype=torch.float64, requires_grad=True)\n"
            "assert torch.autograd.gradcheck(torch.sin, (x,)) and torch.autograd.gradgradcheck(torch.sin, (x,))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_float_of_a_tensor_that_requires_grad_warns_once(recwarn):
    import facade._tensor as ft

    def count():
        return sum("requires_grad=True to a scalar" in str(w.message) for w in recwarn.list)

    ft._SCALAR_WARNED.clear()
    x = facade.tensor(2.0, requires_grad=True)
    with facade.no_grad():
        float(x)
    float(facade.tensor(1.0))
    x.item()
    int(x * 2)
    assert count() == 0
    float(x * 2)
    assert count() == 1
    float(x)
    complex(x)
    assert count() == 1  # once per process, as PyTorch's TORCH_WARN_ONCE
