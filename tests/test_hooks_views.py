"""Tensor hooks, retain_grad and .grad on views and leaves, as scenarios run against facade and — when
torch is installed (nox -s oracle) — against PyTorch on the same inputs (the style of
test_autograd_semantics.py). Each scenario returns what a user can observe: values (compared in
float64), shapes, flags and error messages. Without torch, the values are checked against the maths
written in each scenario's `expect`."""
import functools

import pytest

import facade
from scenarios import Scenarios, check, check_written, observer, raised

try:
    import torch
except ImportError:  # the plain test session: maths-only checks
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5)

NO_GRAD_VIEW = (" no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is "
                "ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and "
                "the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or "
                "both outside (if you want the inplace to be tracked).")


def t64(T, data, **kw):
    return T.tensor(data, dtype=T.float64, **kw)


def f64(values):
    return ("tensor", values, "float64")


def attempt(fn):
    """The outcome of one step of a scenario that goes on after it: the error, or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is the observation
        return raised(type(e).__name__, str(e))
    return None


# ---- 1. hooks and retain_grad on views ----------------------------------------------------------------


@scenario(expect=[f64([5.0]), f64([10.0, 0.0])])
def retain_grad_on_a_slice_of_a_nonleaf(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = (x * 2)[:1]
    y.retain_grad()
    (y * 5).sum().backward()
    return [y.grad, x.grad]


@scenario(expect=[f64([100.0, 0.0])])
def hook_on_a_slice_of_a_leaf(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    v = x[:1]
    v.register_hook(lambda g: g * 100)
    v.sum().backward()
    return [x.grad]


@scenario(expect=[f64([[2.0, 4.0], [6.0, 8.0]]), f64([[2.0, 6.0], [4.0, 8.0]])])
def retain_grad_and_hook_on_a_view_of_a_view(T):
    # w's gradient (c) is doubled by its hook and reaches v (= y.t()) through the unsqueeze
    x = t64(T, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = (x * 1).t()
    v.retain_grad()
    w = v.unsqueeze(0)
    w.register_hook(lambda g: g * 2)
    (w * t64(T, [[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return [v.grad, x.grad]


@scenario(expect=[f64([[10.0, 34.0], [74.0, 130.0]]), f64([[1.0], [1.0], [1.0], [1.0]])])
def hook_on_view_and_retain_grad_on_reshape(T):
    # y = 2x; d/dv1 sum(v1^2) = 2 v1 = [4, 8, 12, 16], times the hook's [1, 2, 3, 4]; plus 1 from v2
    x = t64(T, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    v1 = y.view(4)
    v1.register_hook(lambda g: g * t64(T, [1.0, 2.0, 3.0, 4.0]))
    v2 = y.reshape(4, 1)
    v2.retain_grad()
    ((v1 * v1).sum() + (v2 * 1).sum()).backward()
    return [x.grad, v2.grad]


@scenario(expect=[f64([[0.0, 0.0, 0.0], [1.0, 4.0, 4.0]]), f64([3.0, 3.0])])
def hook_on_a_select_of_a_leaf_and_retain_grad_on_its_slice(T):
    x = t64(T, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    a = x[1]
    b = a[1:]
    a.register_hook(lambda g: g + 1)
    b.retain_grad()
    (b * 3).sum().backward()
    return [x.grad, b.grad]


@scenario(expect=[[[4.0, 8.0]], f64([80.0, 160.0]), [["b", [12.0, 24.0]], ["a", [36.0, 72.0]]], f64([720.0, 1440.0]),
                  f64([100.0, 0.0])])
def hooks_live_on_the_grad_fn(T):
    # a hook outlives its tensor (the graph holds the grad_fn), and one registered before an in-place write
    # sees the gradient of the value before it: y1 = 2x, y2 = 3 y1, L = sum(y2^2): dL/dy2 = 6 y1 = [12, 24],
    # which 'b' sees; dL/dy1 = 3 * [12, 24] (b returns None), 'a' multiplies it by 10
    seen = []
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    loss = (y * y).sum()
    del y
    loss.backward()
    out = [seen, x.grad]
    seen = []
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(["a", g.tolist()]) or g * 10)
    y.mul_(3)
    y.register_hook(lambda g: seen.append(["b", g.tolist()]))
    (y * y).sum().backward()
    out += [seen, x.grad]
    x = t64(T, [1.0, 2.0], requires_grad=True)
    v = x[:1]
    v.register_hook(lambda g: g * 100)
    s = v.sum()
    del v
    s.backward()
    return out + [x.grad]


# ---- 2. the .grad of a leaf that is a view -----------------------------------------------------------


@scenario(expect=[[2, 2], f64([[10.0, 10.0], [10.0, 10.0]]), True])
def grad_of_a_leaf_that_is_a_view_has_its_shape(T):
    x = T.arange(6.0, dtype=T.float64).view(2, 3)[:, :2].requires_grad_()
    (x * 10).sum().backward()
    return [list(x.grad.shape), x.grad, x.is_leaf]


@scenario(expect=[[3, 4], f64([[4.0] * 4] * 3), f64([[round(k * 3 + j - 0.78, 5) for k in range(4)] for j in range(3)])])
def sgd_momentum_on_a_transposed_leaf(T):
    # grads 2 then 4 (accumulated): buf 2 then 0.9*2 + 4 = 5.8; x moves by 0.1*(2 + 5.8)
    x = T.arange(12.0, dtype=T.float64).view(4, 3).t().requires_grad_()
    opt = T.optim.SGD([x], lr=0.1, momentum=0.9)
    (x * 2).sum().backward()
    opt.step()
    (x * 2).sum().backward()
    opt.step()
    return [list(x.grad.shape), x.grad, x]


# ---- 3. autograd.grad: leaf hooks, retain_grad, what runs ----------------------------------------------


@scenario(expect=[f64([20.0, 40.0]), f64([20.0, 40.0]), True, f64([20.0, 20.0])])
def leaf_hooks_apply_to_autograd_grad(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (plain,) = T.autograd.grad((x * x).sum(), x)
    (g,) = T.autograd.grad((x * x).sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)  # d/dx sum(10 * 2x) = 20, and the hook again
    return [plain, g, g.requires_grad, gg / 10]


@scenario(expect=[f64([8.0, 16.0]), f64([4.0, 8.0]), None, None, []])
def retain_grad_and_hooks_under_autograd_grad(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (g,) = T.autograd.grad((y * y).sum(), x)  # 2y * 2
    x.retain_grad()  # a leaf: retain_grad does nothing, autograd.grad leaves .grad alone
    T.autograd.grad((x * x).sum(), x)
    # below the input z: PyTorch's engine never runs those nodes, so no hook and no retained grad
    seen = []
    b = x * 2
    b.retain_grad()
    b.register_hook(lambda g: seen.append(1))
    z = b * 3
    T.autograd.grad((z * z).sum(), z)
    return [g, y.grad, x.grad, b.grad, seen]


@scenario(expect=[f64([80.0]), f64([8.0]), f64([1.0, 81.0])])
def a_hooked_nonleaf_input_is_captured_as_pytorch_captures_it(T):
    # captured after its hooks when nothing below it is needed, before them when another input lies below
    def setup():
        x = t64(T, [1.0, 2.0], requires_grad=True)
        y = x * 2
        v = y[1:]
        v.register_hook(lambda g: g * 10)
        return y, v

    y, v = setup()
    (alone,) = T.autograd.grad((v * v).sum() + y.sum(), [v])
    y, v = setup()
    g_v, g_y = T.autograd.grad((v * v).sum() + y.sum(), [v, y])
    return [alone, g_v, g_y]


@scenario(expect=[True, f64([8.0]), f64([16.0]), f64([0.0, 16.0])])
def backward_inputs_retains_the_grad_of_a_nonleaf_input(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    v = (x * 2)[1:]
    (v * v).sum().backward(inputs=[v])
    first = v.grad.clone()
    (v * v).sum().backward()  # v retains its grad from now on; the history below v was not freed
    return [v.retains_grad, first, v.grad, x.grad]


@scenario(expect=[f64([-0.91173, 0.44836]), f64([-2.47835, 3.31293])])
def autograd_grad_frees_only_what_it_runs(T):
    # grad of sin(y) at y = exp(x) wrt y is cos(y) and does not run exp's backward: a later backward through it
    # works (x.grad = cos(e^x) e^x)
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x.exp()
    (g,) = T.autograd.grad(y.sin().sum(), y)
    y.sin().sum().backward()
    return [g, x.grad]


# ---- 4. hooks under create_graph, incoming gradients computed from the graph ----------------------------


@scenario(expect=[f64([6.0, 12.0]), f64([6.0, 6.0]), f64([6.0, 12.0])])
def hook_on_an_intermediate_under_create_graph(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x**2
    y.register_hook(lambda g: g * 3)
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)  # 3 * 2x
    (gg,) = T.autograd.grad(g.sum(), x)
    y.sum().backward(create_graph=True)
    return [g, gg, x.grad]


@scenario(expect=[f64([4.0, 128.0]), f64([20.0, 1088.0])])
def hook_reading_the_graph_under_create_graph(T):
    # y = x^2, dL/dy = 2y, the hook makes it 2y^2 = 2x^4: g = 2x^4 * 2x = 4x^5, gg = 20x^4 (the hook runs again)
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x**2
    y.register_hook(lambda g: g * y)
    (g,) = T.autograd.grad((y**2).sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)
    return [g, gg]


@scenario(expect=[f64([4.0, 8.0]), f64([12.0, 24.0])])
def incoming_gradient_computed_from_the_graph(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.backward(y, retain_graph=True)  # d(y . y_const)/dx = 2y
    (g,) = T.autograd.grad(y, x, y * 3)
    return [x.grad, g]


@scenario(expect=[[False, False, True, True]])
def hooks_run_with_grad_mode_as_backward_sets_it(T):
    modes = []
    x = t64(T, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: modes.append(T.is_grad_enabled()))
    x.register_hook(lambda g: modes.append(T.is_grad_enabled()))
    (y * y).sum().backward(retain_graph=True)
    (y * y).sum().backward(create_graph=True)
    return [modes]


# ---- 5. AccumulateGrad never writes into a tensor the user holds ------------------------------------------


@scenario(expect=[f64([7.0, 7.0]), f64([14.0, 14.0])])
def a_hook_returning_a_held_tensor(T):
    c = t64(T, [7.0, 7.0])
    x = t64(T, [1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: c)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    return [c, x.grad]


@scenario(expect=[[f64([2.0, 2.0]), f64([3.0, 3.0])], f64([5.0, 5.0]), f64([14.0, 14.0]), f64([7.0, 7.0])])
def gradients_a_hook_keeps_stay_as_they_were(T):
    kept = []
    x = t64(T, [1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: kept.append(g))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    c = t64(T, [7.0, 7.0])
    z = t64(T, [1.0, 2.0], requires_grad=True)
    z.register_hook(lambda g: c)
    (z * 2).sum().backward()
    c.mul_(2)  # the other way round: .grad is not the user's tensor either
    return [kept, x.grad, c, z.grad]


# ---- 6. what a hook may return -----------------------------------------------------------------------


def _hook_result(T, hook, leaf=True, dtype=None):
    x = T.tensor([1.0, 2.0], requires_grad=True, dtype=dtype)
    if leaf:
        x.register_hook(hook)
        (x * 2).sum().backward()
    else:
        y = x * 2
        y.register_hook(hook)
        (y * 2).sum().backward()
    return x.grad


def _named_hook(g):
    return g.double()


@scenario(expect=[raised("RuntimeError", "hook '<lambda>' has changed the size of value"),
                  raised("RuntimeError", "hook '<lambda>' has changed the size of value"),
                  raised("RuntimeError", "hook '<lambda>' has changed the size of value"),
                  raised("RuntimeError", "hook '<unknown>' has changed the size of value")])
def a_hook_changing_the_size(T):
    return [attempt(lambda: _hook_result(T, lambda g: g.sum())),
            attempt(lambda: _hook_result(T, lambda g: g.sum(), leaf=False)),
            attempt(lambda: _hook_result(T, lambda g: g.view(2, 1))),
            attempt(lambda: _hook_result(T, functools.partial(lambda g, k: g.sum(), k=1)))]


@scenario(expect=[
    raised("RuntimeError", "hook '<lambda>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)"),
    raised("RuntimeError", "hook '_named_hook' has changed the type of value (was torch.FloatTensor got "
           "torch.DoubleTensor)"),
    raised("RuntimeError", "hook '<lambda>' has changed the type of value (was torch.DoubleTensor got torch.IntTensor)"),
    raised("RuntimeError", "hook '<lambda>' has changed the type of value (was torch.FloatTensor got CPUBFloat16Type)"),
    raised("RuntimeError", "hook '<lambda>' has changed the type of value (was torch.FloatTensor got CPUBoolType)")])
def a_hook_changing_the_type(T):
    return [attempt(lambda: _hook_result(T, lambda g: g.double())),
            attempt(lambda: _hook_result(T, _named_hook, leaf=False)),
            attempt(lambda: _hook_result(T, lambda g: g.int(), dtype=T.float64)),
            attempt(lambda: _hook_result(T, lambda g: g.to(T.bfloat16))),
            attempt(lambda: _hook_result(T, lambda g: g.bool()))]


@scenario(expect=[raised("TypeError", "expected Variable, but hook returned 'int'"),
                  raised("TypeError", "expected Variable, but hook returned 'list'"),
                  f64([20.0, 20.0])])
def a_hook_returning_something_else(T):
    return [attempt(lambda: _hook_result(T, lambda g: 3)),
            attempt(lambda: _hook_result(T, lambda g: [g], leaf=False)),
            _hook_result(T, lambda g: g * 10, dtype=T.float64)]


# ---- 7. writing through a view made under no_grad -------------------------------------------------------


@scenario(expect=[raised("RuntimeError", "A view was created in" + NO_GRAD_VIEW), f64([1.0, 2.0]), True,
                  raised("RuntimeError", "A view was created in" + NO_GRAD_VIEW),
                  raised("RuntimeError", "Output 0 of Slice is a view of a view which was created in" + NO_GRAD_VIEW),
                  raised("RuntimeError", "Output 0 of Select is a view of a view which was created in" + NO_GRAD_VIEW),
                  raised("RuntimeError", "A view was created in" + NO_GRAD_VIEW),
                  [f64([4.0, 2.0]), True, f64([4.0, 2.0]), f64([3.0, 4.0])]])
def in_place_through_a_view_made_under_no_grad(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = x[:1]
    first = attempt(lambda: v.mul_(2))
    out = [first, x, x.is_leaf]
    y = x * 1  # a base that is not a leaf
    with T.no_grad():
        u = y[:1]
    out.append(attempt(lambda: u.mul_(2)))
    w = v[0:1]  # a view of it made with grad enabled
    out.append(attempt(lambda: w.mul_(2)))
    with T.no_grad():
        whole = x.view(2)
    out.append(attempt(lambda: whole.__setitem__(0, 3.0)))
    plain = t64(T, [1.0, 2.0])  # the other operand requires grad
    with T.no_grad():
        p = plain[:1]
    out.append(attempt(lambda: p.mul_(t64(T, [2.0], requires_grad=True))))
    return out + [_allowed_writes_through_views_made_under_no_grad(T)]


def _allowed_writes_through_views_made_under_no_grad(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = x[:1]
    with T.no_grad():
        v.mul_(2)  # both under no_grad
    d = x.detach()
    with T.no_grad():
        dv = d[:1]
    dv.mul_(2)  # a view of a detached alias (x's memory): nothing requires grad
    z = t64(T, [1.0, 2.0])
    with T.no_grad():
        zv = z[:]
    zv.add_(2)  # nothing requires grad
    return [x, x.is_leaf, d, zv]


# ---- 8. argument errors --------------------------------------------------------------------------------


@scenario(expect=[raised("RuntimeError", "can't retain_grad on Tensor that has requires_grad=False"),
                  raised("RuntimeError", "can't retain_grad on Tensor that has requires_grad=False"),
                  raised("RuntimeError", "`inputs` argument to `grad()` cannot be empty."),
                  raised("RuntimeError", "`inputs` argument to `backward()` cannot be empty.")])
def argument_errors(T):
    x = t64(T, [1.0, 2.0], requires_grad=True)
    return [attempt(lambda: t64(T, [1.0, 2.0]).retain_grad()),
            attempt(lambda: (t64(T, [1.0]) * 2).retain_grad()),
            attempt(lambda: T.autograd.grad((x * 2).sum(), [])),
            attempt(lambda: (x * 2).sum().backward(inputs=[]))]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_maths(name):
    """The written-out expectations hold for facade too (they are what torch gives)."""
    check_written(SCENARIOS[name], observe, normalise, facade)
