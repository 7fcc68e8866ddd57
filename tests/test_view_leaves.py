"""Views and autograd where the gradient does not come from the view's root, and grad_fn graphs of fused ops,
as scenarios run against facade and — when torch is installed — against PyTorch (the style of
test_hooks_views.py). Each scenario returns what a user can observe: values (compared in float64), flags,
grad_fn names and error messages. Without torch, the observations are checked against each scenario's
`expect`, written out by hand.

1. a leaf that is a view (`w = b.view(2, 3).requires_grad_()`): its views and indexing chain to its
   AccumulateGrad (they ignored it: requires_grad False and "does not require grad" at backward);
2. a view made under no_grad of a tensor that requires grad: it requires grad (PyTorch's differentiable
   view), is a leaf without grad_fn, and what is computed from it requires grad with an edge to nothing;
3. nn.Linear's grad_fn graph: PyTorch's AddmmBackward0(bias, input, TBackward0(weight)) and its variants,
   which the official 60-minute blitz prints.
"""
import pytest

import facade
from scenarios import Scenarios, check, check_written, observer, raised

try:
    import torch
except ImportError:  # the plain test session: maths-only checks
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=6)

LEAF_VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."
DETACH_VIEW = ("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for "
               "training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence "
               "detach_() cannot be called on these gradients. To fix this error, please refer to the "
               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
REBASED = (" no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled. "
           "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
           "both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
           "tracked) or both outside (if you want the inplace to be tracked).")


def f64(values):
    return ("tensor", values, "float64")


def t64(T, data, **kw):
    return T.tensor(data, dtype=T.float64, **kw)


def attempt(fn):
    """The outcome of one step of a scenario that goes on after it: the error, or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is the observation
        return raised(type(e).__name__, str(e))
    return None


def name(f):
    return None if f is None else type(f).__name__


def nexts(f):
    return [name(g) for g, _ in f.next_functions]


def tree(f):
    """A grad_fn graph as text: each node's class name, then its next_functions in brackets."""
    if f is None:
        return "None"
    below = f.next_functions
    return name(f) + ("(" + ", ".join(tree(g) for g, _ in below) + ")" if below else "")


W6 = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


# ---- 1. a leaf that is a view -------------------------------------------------------------------------


@scenario(expect=[[True, True, None], [True, True, True, True, True, True],
                  ["SelectBackward0", "TBackward0", "ViewBackward0", "ViewBackward0", "UnsqueezeBackward0",
                   "SliceBackward0"],
                  [["AccumulateGrad"], True, None], f64([[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]), [2, 3], None])
def views_of_a_leaf_that_is_a_view(T):
    w = t64(T, W6).view(6).view(2, 3).requires_grad_()
    views = [w[0], w.t(), w.view(6), w.reshape(3, 2), w.unsqueeze(0), w[:, 1:]]
    g = w.t().grad_fn
    (w.t() ** 2).sum().backward()
    return [[w.requires_grad, w.is_leaf, name(w.grad_fn)], [v.requires_grad for v in views],
            [name(v.grad_fn) for v in views], [nexts(g), g.next_functions[0][0].variable is w, w._base.grad],
            w.grad, list(w.grad.shape), w._base.grad]


@scenario(expect=[[True, True], f64([[1.0, 1.0, 1.0], [0.0, 2.0, 2.0]])])
def requires_grad_set_on_a_view_then_indexed(T):
    w = t64(T, W6).view(2, 3)
    w.requires_grad = True
    a, b = w[0], w[1, 1:]
    (a.sum() + (b * 2).sum()).backward()
    return [[a.requires_grad, b.requires_grad], w.grad]


@scenario(expect=[[True, "TBackward0"], f64([[1.0, 1.0], [1.0, 1.0]]), [2, 2],
                  f64([[6.0, 0.0], [0.0, 0.0]])])
def a_slice_made_a_leaf_then_transposed(T):
    x = T.arange(6.0, dtype=T.float64).view(2, 3)[:, :2].requires_grad_()
    y = x.t()
    first = [y.requires_grad, name(y.grad_fn)]
    y.sum().backward()
    g1 = x.grad.clone()
    x.grad = None
    (x.t()[0].unsqueeze(0)[0, :1] * 6).sum().backward()  # a chain of views of the leaf
    return [first, g1, list(g1.shape), x.grad]


@scenario(expect=[f64([[2.0, 5.0, 6.0], [-1.0, 2.0, 3.0]]), None])
def gradient_flows_through_views_and_the_leaf_itself(T):
    w = t64(T, W6).view(2, 3).requires_grad_()
    # d/dw of sum(w[0] * w[1]) + sum(w.t()[1:]) - sum(w[:, 0]): rows swapped, +1 on columns 1-2, -1 on column 0
    ((w[0] * w[1]).sum() + w.t()[1:].sum() - w[:, 0].sum()).backward()
    return [w.grad, w._base.grad]


@scenario(expect=[raised("RuntimeError", LEAF_VIEW), raised("RuntimeError", LEAF_VIEW),
                  raised("RuntimeError", LEAF_VIEW), raised("RuntimeError", LEAF_VIEW),
                  f64([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), 0, [raised("RuntimeError", DETACH_VIEW)] * 2,
                  [True, True]])
def in_place_writes_to_a_leaf_view_raise(T):
    w = t64(T, W6).view(2, 3).requires_grad_()
    out = [attempt(lambda: w.add_(1)), attempt(lambda: w[0].mul_(2)), attempt(lambda: w.t()[0].zero_()),
           attempt(lambda: w.__setitem__(0, 1.0))]
    return out + [w, w._version, [attempt(lambda: w.detach_()), attempt(lambda: w.t().detach_())],
                  [w.requires_grad, w.is_leaf]]


@scenario(expect=[f64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [True, True, None],
                  f64([[7.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), f64([7.0, 2.0, 3.0]), [True, "SelectBackward0"],
                  f64([[14.0, 4.0, 6.0], [8.0, 10.0, 12.0]])])
def writes_under_no_grad_and_through_the_root(T):
    b = t64(T, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    w = b.view(2, 3).requires_grad_()
    with T.no_grad():
        w.add_(1)  # an optimizer step: allowed, w stays a leaf
    out = [w.detach().clone(), [w.requires_grad, w.is_leaf, name(w.grad_fn)]]
    b[0] = 7.0  # the root does not require grad: writes to it are allowed and seen by the leaf
    out += [w.detach().clone(), w[0], [w[0].requires_grad, name(w[0].grad_fn)]]
    (w.t() * w.t()).sum().backward()
    return out + [w.grad]


@scenario(expect=[["AsStridedBackward0", [None], True], f64([5.0, 0.0, 0.0]), None,
                  ["SelectBackward0", ["AccumulateGrad"]], f64([[10.0, 0.0, 0.0], [0.0, 0.0, 0.0]])])
def a_view_of_a_leaf_view_made_before_its_root_was_written(T):
    # PyTorch regenerates the old view's grad_fn from the root (which does not require grad): an
    # AsStridedBackward0 that leads nowhere; a view made after the write chains to the leaf as usual
    b = t64(T, [0.0] * 6)
    w = b.view(2, 3).requires_grad_()
    y = w[0]
    b[0] = 5.0
    out = [[name(y.grad_fn), nexts(y.grad_fn), y.requires_grad], y]
    (y * 1).sum().backward()
    out.append(w.grad)
    y2 = w[0]
    out.append([name(y2.grad_fn), nexts(y2.grad_fn)])
    (w * w).sum().backward()
    return out + [w.grad]


@scenario(expect=[f64([3.0, 3.0, 3.0]), f64([[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]]),
                  [f64([[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]])], f64([[0.0, 20.0, 40.0], [60.0, 80.0, 100.0]]),
                  [f64([[10.0, 10.0, 10.0], [10.0, 10.0, 10.0]])]])
def retain_grad_hooks_and_grad_with_a_leaf_view(T):
    w = t64(T, W6).view(2, 3).requires_grad_()
    r = w[0]
    r.retain_grad()
    (r * 3).sum().backward()
    out = [r.grad, w.grad]
    w.grad = None
    seen = []
    w.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    (w.t() ** 2).sum().backward()
    out += [[s.t() for s in seen], w.grad]
    return out + [list(T.autograd.grad(w.t().sum(), w))]


@scenario(expect=[[False, True], [True, True], f64([2.0, 2.0, 2.0]), f64([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]),
                  [False, False]])
def views_of_a_leaf_view_under_no_grad_and_detached(T):
    w = t64(T, W6).view(2, 3).requires_grad_()
    with T.no_grad():
        u = w[0]
    out = [[u.requires_grad, u.is_leaf]]
    u.requires_grad_()  # a leaf of its own
    out.append([u.requires_grad, u.is_leaf])
    (u * 2 + w[0]).sum().backward()
    return out + [u.grad, w.grad, [w[0].detach().requires_grad, w.t().detach()[0].requires_grad]]


@scenario(expect=[raised("RuntimeError", "Output 0 of Split is a view and is being modified inplace. This "
                         "view is the output of a function that returns multiple views. Such functions do not allow "
                         "the output views to be modified inplace. You should replace the inplace operation by an "
                         "out-of-place one."),
                  f64([[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])])
def pieces_of_a_leaf_view(T):
    w = t64(T, W6).view(2, 3).requires_grad_()
    first = attempt(lambda: w.split(1)[0].mul_(2))
    w.split(1)[0].mul(3).sum().backward()
    return [first, w.grad]


@scenario(expect=[f64([[0.5, 0.0], [0.0, 0.5]]), True, f64([[0.95, 0.0], [0.0, 0.95]]),
                  f64([[0.95, 0.0, 0.0], [0.0, 0.95, 0.0]])])
def a_training_step_on_a_leaf_view(T):
    root = t64(T, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    w = root[:, :2].requires_grad_()
    x = t64(T, [[1.0, 0.0], [0.0, 1.0]])
    ((x @ w.t()) * 0.5).pow(2).sum().backward()
    g = w.grad.clone()
    with T.no_grad():
        w -= 0.1 * w.grad
    return [g, w.is_leaf, w, root]  # the step is seen through the root


# ---- 2. a view made under no_grad of a tensor that requires grad ----------------------------------------


@scenario(expect=[[True, True, None], [True, "MulBackward0", [None, None]], [True, "SelectBackward0", [None]],
                  None, None])
def a_view_made_under_no_grad_requires_grad(T):
    x = t64(T, [1.0, 2.0, 3.0], requires_grad=True)
    with T.no_grad():
        v = x[:2]
    y = v * 2
    s = v[0]
    out = [[v.requires_grad, v.is_leaf, name(v.grad_fn)], [y.requires_grad, name(y.grad_fn), nexts(y.grad_fn)],
           [s.requires_grad, name(s.grad_fn), nexts(s.grad_fn)]]
    y.sum().backward()  # nothing to accumulate into
    return out + [x.grad, v.grad]


@scenario(expect=[[True, True, None], [True, True], [True, True], [False, False],
                  ["AddBackward0", [None, "AccumulateGrad"]], [f64([1.0, 1.0])]])
def which_views_made_under_no_grad_require_grad(T):
    x = t64(T, [1.0, 2.0, 3.0], requires_grad=True)
    z = x * 1  # not a leaf
    with T.no_grad():
        v = z[:2]
        vv = v[:1]
        d1 = x.detach()[:2]
        d2 = x[1:].detach()[:1]
    out = [[v.requires_grad, v.is_leaf, name(v.grad_fn)], [vv.requires_grad, vv.is_leaf]]
    v.requires_grad_(False)  # a leaf that does not require grad itself: still as its base does
    out.append([v.requires_grad, v.is_leaf])
    out.append([d1.requires_grad, d2.requires_grad])
    a = t64(T, [1.0, 1.0], requires_grad=True)
    y = v + a
    return out + [[name(y.grad_fn), nexts(y.grad_fn)], list(T.autograd.grad(y.sum(), a))]


@scenario(expect=[[True, True], ["SelectBackward0", ["AccumulateGrad"], True], f64([3.0, 0.0]), None])
def a_view_made_under_no_grad_made_a_leaf(T):
    x = t64(T, [1.0, 2.0, 3.0], requires_grad=True)
    with T.no_grad():
        v = x[:2]
    v.requires_grad_()
    s = v[0]
    out = [[v.requires_grad, v.is_leaf], [name(s.grad_fn), nexts(s.grad_fn), s.grad_fn.next_functions[0][0].variable is v]]
    (s * 3).sum().backward()
    return out + [v.grad, x.grad]


@scenario(expect=[True, raised("RuntimeError", "A view was created in" + REBASED),
                  raised("RuntimeError", "A view was created in" + REBASED),
                  raised("RuntimeError", "Output 0 of Slice is a view of a view which was created in" + REBASED),
                  raised("RuntimeError", "Output 0 of Slice is a view of a view which was created in" + REBASED),
                  raised("RuntimeError", "A view was created in" + REBASED)])
def a_view_made_under_no_grad_after_its_base_was_written(T):
    x = t64(T, [1.0, 2.0, 3.0], requires_grad=True)
    a = t64(T, [1.0, 1.0], requires_grad=True)
    with T.no_grad():
        v = x[:2]
    w = v[0:1]
    y = (v * a).sum()
    with T.no_grad():
        x.mul_(2)
    # (not observed: w.mul_(2), where PyTorch's in-place check words it "... created in no_grad mode and is being
    # modified inplace ...", and facade raises the error of the use of w as an operand first)
    return [v.requires_grad, attempt(lambda: v.grad_fn), attempt(lambda: v * 2), attempt(lambda: w.grad_fn),
            attempt(lambda: w * 2), attempt(lambda: y.backward())]


# ---- 3. nn.Linear's grad_fn graph ---------------------------------------------------------------------


@scenario(expect=[["AccumulateGrad", None, "TBackward0"], [True, True, True], True, ["AccumulateGrad"],
                  ["MmBackward0", [None, "TBackward0"]]])
def linear_next_functions(T):
    T.manual_seed(0)
    lin = T.nn.Linear(3, 2)
    g = lin(T.ones(4, 3)).grad_fn
    t = g.next_functions[2][0]
    out = [nexts(g), [g.next_functions[0][0].variable is lin.bias, t is g.next_functions[2][0],
                      t.next_functions[0][0].variable is lin.weight]]
    out += [g.next_functions[0][0] is g.next_functions[0][0], nexts(t)]
    g2 = T.nn.Linear(3, 2, bias=False)(T.ones(4, 3)).grad_fn
    return out + [[name(g2), nexts(g2)]]


_LINEAR_TREES = [
    "AddmmBackward0(AccumulateGrad, None, TBackward0(AccumulateGrad))",
    "AddmmBackward0(AccumulateGrad, AccumulateGrad, TBackward0(AccumulateGrad))",
    "ViewBackward0(AddmmBackward0(AccumulateGrad, None, TBackward0(AccumulateGrad)))",
    "ViewBackward0(AddmmBackward0(AccumulateGrad, ViewBackward0(AccumulateGrad), TBackward0(AccumulateGrad)))",
    "ViewBackward0(AddmmBackward0(AccumulateGrad, None, TBackward0(AccumulateGrad)))",
    "ViewBackward0(AddmmBackward0(AccumulateGrad, ViewBackward0(AccumulateGrad), TBackward0(AccumulateGrad)))",
    "MmBackward0(None, TBackward0(AccumulateGrad))",
    "MmBackward0(AccumulateGrad, TBackward0(AccumulateGrad))",
    "SqueezeBackward4(MmBackward0(None, TBackward0(AccumulateGrad)))",
    "SqueezeBackward4(MmBackward0(UnsqueezeBackward0(AccumulateGrad), TBackward0(AccumulateGrad)))",
    "UnsafeViewBackward0(MmBackward0(None, TBackward0(AccumulateGrad)))",
    "UnsafeViewBackward0(MmBackward0(ViewBackward0(AccumulateGrad), TBackward0(AccumulateGrad)))",
    "AddBackward0(UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0("
    "AccumulateGrad))), TBackward0(AccumulateGrad))), AccumulateGrad)",
    "UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0(AccumulateGrad))), "
    "TBackward0(AccumulateGrad)))",
    "ViewBackward0(AddmmBackward0(AccumulateGrad, ViewBackward0(ReluBackward0(AccumulateGrad)), "
    "TBackward0(AccumulateGrad)))",
    "AddmmBackward0(AccumulateGrad, ReluBackward0(AccumulateGrad), TBackward0(MulBackward0(AccumulateGrad, None)))",
    "AddmmBackward0(AccumulateGrad, None, None)",
    "AddmmBackward0(None, AccumulateGrad, None)",
    "ViewBackward0(AddmmBackward0(None, ViewBackward0(AccumulateGrad), None))",
]


@scenario(expect=_LINEAR_TREES)
def linear_graphs(T):
    F = T.nn.functional

    def w():
        return T.ones(2, 3, requires_grad=True)

    def b():
        return T.ones(2, requires_grad=True)

    out = []
    for shape in [(4, 3), (3,), (2, 4, 3)]:
        for rg in (False, True):
            out.append(tree(F.linear(T.ones(*shape, requires_grad=rg), w(), b()).grad_fn))
    for shape in [(4, 3), (3,), (2, 4, 3)]:
        for rg in (False, True):
            out.append(tree(F.linear(T.ones(*shape, requires_grad=rg), w()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 2, 3, requires_grad=True).transpose(0, 1), w(), b()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 2, 3, requires_grad=True).transpose(0, 1), w()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 2, 3, requires_grad=True).relu(), w(), b()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 3, requires_grad=True).relu(), w() * 2, b()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 3), T.ones(2, 3), b()).grad_fn))
    out.append(tree(F.linear(T.ones(4, 3, requires_grad=True), T.ones(2, 3), T.ones(2)).grad_fn))
    out.append(tree(F.linear(T.ones(3, requires_grad=True), T.ones(2, 3), T.ones(2)).grad_fn))
    return out


_BLITZ_TREE = (
    "MseLossBackward0(AddmmBackward0(AccumulateGrad, ReluBackward0(AddmmBackward0(AccumulateGrad, ReluBackward0("
    "AddmmBackward0(AccumulateGrad, ViewBackward0(MaxPool2DWithIndicesBackward0(ReluBackward0(ConvolutionBackward0("
    "MaxPool2DWithIndicesBackward0(ReluBackward0(ConvolutionBackward0(None, AccumulateGrad, AccumulateGrad))), "
    "AccumulateGrad, AccumulateGrad)))), TBackward0(AccumulateGrad))), TBackward0(AccumulateGrad))), "
    "TBackward0(AccumulateGrad)), None)"
)


@scenario(expect=["MseLossBackward0", "AddmmBackward0", "AccumulateGrad", _BLITZ_TREE])
def sixty_minute_blitz_grad_fn(T):
    nn, F = T.nn, T.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = T.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    T.manual_seed(0)
    net = Net()
    output = net(T.randn(1, 1, 32, 32))
    loss = nn.MSELoss()(output, T.randn(10).view(1, -1))
    g = loss.grad_fn
    return [name(g), name(g.next_functions[0][0]), name(g.next_functions[0][0].next_functions[0][0]), tree(g)]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_maths(name):
    """The written-out expectations hold for facade too (they are what torch gives)."""
    check_written(SCENARIOS[name], observe, normalise, facade)


def test_blitz_repr_names():
    """The blitz prints the grad_fn objects themselves: `<MseLossBackward0 object at 0x...>` and so on."""
    facade.manual_seed(0)
    lin = facade.nn.Linear(3, 2)
    loss = facade.nn.MSELoss()(lin(facade.ones(1, 3)), facade.zeros(1, 2))
    g = loss.grad_fn
    reprs = [repr(g), repr(g.next_functions[0][0]), repr(g.next_functions[0][0].next_functions[0][0]),
             repr(g.next_functions[0][0].next_functions[2][0])]
    assert [r.split(" object at 0x")[0] for r in reprs] == ["<MseLossBackward0", "<AddmmBackward0", "<AccumulateGrad",
                                                           "<TBackward0"]
