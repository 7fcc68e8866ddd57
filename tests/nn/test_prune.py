"""torch.nn.utils.prune, as scenarios run on facade and, when torch is installed, on PyTorch: the
reparametrization (weight_orig, weight_mask, the pre-hook), which entries each method prunes, iterative
pruning through PruningContainer, global pruning, importance scores, remove(), state_dict keys, gradients
and the validation errors. Without torch the observations are checked against the written-out ones
(PyTorch 2.13's output).

Inputs are fixed numbers without ties, so L1 / Ln pruning must pick the very entries PyTorch picks. With
ties the choice is topk's (facade: lowest indices first; PyTorch's CPU topk: whatever its partial sort
leaves), so for ties only the number pruned is compared. The random methods draw from each library's own
generator: only counts are compared for them."""
import numpy as np
import pytest

import facade
import facade.nn.utils.prune  # noqa: F401 - imported as PyTorch's must be
from scenarios import Scenarios, check, check_written, observer, raised

try:
    import torch
    import torch.nn.utils.prune  # noqa: F401
except ImportError:  # the plain test session: written-out expectations only
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5)

_RNG = np.random.default_rng(0)
W54 = _RNG.standard_normal((4, 5)).round(3).tolist()  # no ties among |w|
B4 = _RNG.standard_normal(4).round(3).tolist()


def f32(values):
    return ("tensor", values, "float32")


def _lin(T, w=W54, b=B4):
    m = T.nn.Linear(len(w[0]), len(w))
    with T.no_grad():
        m.weight.copy_(T.tensor(w))
        m.bias.copy_(T.tensor(b))
    return m


def _mask_of(T, w, keep):
    """The 0/1 mask of w's shape with ones where keep(|w|) holds."""
    return ("tensor", [[1.0 if keep(abs(v)) else 0.0 for v in row] for row in w], "float32")


def _nth_abs(w, n):
    return sorted(abs(v) for row in w for v in row)[n]


# ---- the reparametrization ---------------------------------------------------------------------


@scenario(expect=[["bias", "weight_orig", "weight_mask"], ["bias", "weight_orig"], ["weight_mask"],
                  _mask_of(None, W54, lambda a: a >= _nth_abs(W54, 6)), "Tensor", "Parameter", True, True,
                  "L1Unstructured", True])
def l1_unstructured_reparametrizes_the_weight(T):
    m = _lin(T)
    out = T.nn.utils.prune.l1_unstructured(m, "weight", amount=0.3)  # round(0.3 * 20) = 6 entries
    hooks = list(m._forward_pre_hooks.values())
    return [list(m.state_dict()), [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
            m.weight_mask, type(m.weight).__name__, type(m.weight_orig).__name__,
            T.equal(m.weight, m.weight_orig * m.weight_mask), m.weight.grad_fn is not None,
            type(hooks[0]).__name__, out is m]


@scenario(expect=[_mask_of(None, W54, lambda a: a >= _nth_abs(W54, 3)),
                  _mask_of(None, W54, lambda a: a >= _nth_abs(W54, 6)), "PruningContainer", 2])
def pruning_again_combines_the_masks(T):
    m = _lin(T)
    T.nn.utils.prune.l1_unstructured(m, "weight", amount=3)
    first = m.weight_mask.clone()
    T.nn.utils.prune.l1_unstructured(m, "weight", amount=3)  # 3 more among those kept
    hook = list(m._forward_pre_hooks.values())[0]
    return [first, m.weight_mask, type(hook).__name__, len(hook)]


@scenario(expect=[f32([[0.0] * 5, [0.0, 1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 0.0, 0.0, 1.0]]),
                  3, ["L1Unstructured", "L1Unstructured", "LnStructured"]])
def structured_pruning_after_unstructured(T):
    prune = T.nn.utils.prune
    m = _lin(T, W54)
    prune.l1_unstructured(m, "weight", amount=0.3)
    prune.l1_unstructured(m, "weight", amount=3)
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)  # drops the output row of smallest 2-norm
    hook = list(m._forward_pre_hooks.values())[0]
    return [m.weight_mask, len(hook), [type(h).__name__ for h in hook]]


@scenario(expect=[True, True, True, True])
def gradients_reach_weight_orig_through_the_unmasked_entries_only(T):
    m = _lin(T)
    T.nn.utils.prune.l1_unstructured(m, "weight", amount=8)
    x = T.tensor([[0.5, -1.0, 2.0, 0.25, 1.5], [1.0, 1.0, -0.5, 2.0, 0.0]])
    m(x).pow(2).sum().backward()
    # d/dW of sum((x W^T + b)^2) = 2 (x W^T + b)^T x, masked
    with T.no_grad():
        y = x @ m.weight.t() + m.bias
        full = 2 * y.t() @ x
    g = m.weight_orig.grad
    return [T.allclose(g, full * m.weight_mask), bool((g[m.weight_mask == 0] == 0).all()),
            m.weight_mask.grad is None, T.allclose(m.bias.grad, 2 * y.sum(0))]


@scenario(expect=[True, False])
def the_pre_hook_recomputes_the_weight_from_weight_orig(T):
    m = _lin(T)
    T.nn.utils.prune.l1_unstructured(m, "weight", amount=5)
    with T.no_grad():
        m.weight_orig.add_(1.0)
    stale = T.equal(m.weight, m.weight_orig * m.weight_mask)
    m(T.ones(1, 5))
    return [T.equal(m.weight, m.weight_orig * m.weight_mask), stale]


@scenario(expect=[["bias", "weight"], "Parameter", _mask_of(None, W54, lambda a: a >= _nth_abs(W54, 4)), False,
                  True, 0])
def remove_makes_the_pruning_permanent(T):
    prune = T.nn.utils.prune
    m = _lin(T)
    prune.l1_unstructured(m, "weight", amount=4)
    pruned = m.weight.detach().clone()
    prune.remove(m, "weight")
    return [list(m.state_dict()), type(m.weight).__name__, (m.weight != 0).float(), prune.is_pruned(m),
            T.equal(m.weight, pruned), len(m._forward_pre_hooks)]


@scenario(expect=[False, True, True, ["0.bias", "0.weight_orig", "0.weight_mask", "1.weight", "1.bias"]])
def is_pruned_looks_at_submodules(T):
    prune = T.nn.utils.prune
    net = T.nn.Sequential(_lin(T), T.nn.Linear(4, 2))
    before = prune.is_pruned(net)
    prune.identity(net[0], "weight")
    return [before, prune.is_pruned(net), prune.is_pruned(net[0]), list(net.state_dict())]


@scenario(expect=["<All keys matched successfully>", _mask_of(None, W54, lambda a: a >= _nth_abs(W54, 7))])
def a_pruned_state_dict_loads_into_a_pruned_module(T):
    prune = T.nn.utils.prune
    a = _lin(T)
    prune.l1_unstructured(a, "weight", amount=7)
    b = T.nn.Linear(5, 4)
    prune.identity(b, "weight")
    res = repr(b.load_state_dict(a.state_dict()))
    b(T.ones(1, 5))
    return [res, (b.weight != 0).float()]


# ---- the methods ---------------------------------------------------------------------------------


@scenario(expect=[f32([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]]), f32([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]),
                  f32([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])])
def ln_structured_norms(T):
    m = T.nn.utils.prune.LnStructured
    t = T.tensor([[1.0, 5.0, 2.5], [3.0, 0.0, 2.0]])
    ones = T.ones(2, 3)
    # columns: inf-norms 3, 5, 2.5; 1-norms 4, 5, 4.5; rows: 2-norms 5.68, 3.61 (amount 0.5 of 2 -> round(1.0) = 1)
    return [m(1, n=float("inf"), dim=1).compute_mask(t, ones), m(1, n=1, dim=-1).compute_mask(t, ones),
            m(0.5, n=2, dim=0).compute_mask(t, ones)]


@scenario(expect=[f32([3.0, -0.0, 0.0, 2.0]), f32([3.0, -1.0, 0.5, 2.0]), f32([1.0, 1.0, 1.0, 1.0])])
def prune_and_compute_mask_without_a_module(T):
    L1 = T.nn.utils.prune.L1Unstructured
    t = T.tensor([3.0, -1.0, 0.5, 2.0])
    return [L1(2).prune(t), L1(0.1).prune(t), T.nn.utils.prune.Identity().compute_mask(t, T.ones(4))]


@scenario(expect=[f32([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]),
                  raised("AssertionError", "importance_scores should have the same shape as parameter weight of "
                                           "Linear(in_features=4, out_features=3, bias=True), got torch.Size([2]) "
                                           "vs torch.Size([3, 4])")])
def importance_scores_decide_instead_of_the_weights(T):
    prune = T.nn.utils.prune
    m = T.nn.Linear(4, 3)
    prune.l1_unstructured(m, "weight", 4, importance_scores=T.arange(12.0).view(3, 4))
    try:
        prune.l1_unstructured(T.nn.Linear(4, 3), "weight", 4, importance_scores=T.ones(2))
    except AssertionError as e:
        err = raised("AssertionError", str(e))
    return [m.weight_mask, err]


@scenario(expect=[f32([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]), True, ["weight_orig", "weight_mask"]])
def custom_from_mask(T):
    m = T.nn.Linear(3, 3, bias=False)
    T.nn.utils.prune.custom_from_mask(m, "weight", T.tensor([[1, 0, 1], [0, 1, 1], [1, 1, 0]]))
    return [m.weight_mask, T.equal(m.weight, m.weight_orig * m.weight_mask), list(m.state_dict())]


W43 = [[0.9, -0.1, 0.35, 1.2], [-0.45, 0.05, 0.6, -2.0], [0.15, -0.75, 0.3, 0.55]]
W32 = [[0.2, -1.1, 0.4], [0.65, -0.25, 0.8]]


@scenario(expect=[f32([[1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]),
                  f32([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]), f32([1.0, 0.0, 1.0]),
                  ["weight_orig", "bias_orig", "weight_mask", "bias_mask"]])
def global_unstructured_prunes_the_smallest_over_all_tensors(T):
    a, b = T.nn.Linear(4, 3), T.nn.Linear(3, 2)
    with T.no_grad():
        a.weight.copy_(T.tensor(W43)), b.weight.copy_(T.tensor(W32)), a.bias.copy_(T.tensor([1.5, 0.01, -0.7]))
    T.nn.utils.prune.global_unstructured([(a, "weight"), (b, "weight"), (a, "bias")],
                                         pruning_method=T.nn.utils.prune.L1Unstructured, amount=7)
    return [a.weight_mask, b.weight_mask, a.bias_mask, list(a.state_dict())]


@scenario(expect=[20, 15, 2, 6, 12])
def random_methods_prune_the_requested_counts(T):
    prune = T.nn.utils.prune
    T.manual_seed(0)
    m = T.nn.Linear(6, 5)
    prune.random_unstructured(m, "weight", amount=10)
    kept = int(m.weight_mask.sum())
    prune.random_unstructured(m, "weight", amount=0.25)  # of the 20 kept: round(0.25 * 20) = 5 more
    c = T.nn.Linear(4, 3)
    prune.random_structured(c, "weight", amount=2, dim=1)
    e = T.nn.Linear(4, 4)
    prune.random_structured(e, "weight", amount=0.25, dim=0)
    return [kept, int(m.weight_mask.sum()), int((c.weight_mask.sum(0) == 0).sum()), int(c.weight_mask.sum()),
            int(e.weight_mask.sum())]


@scenario(expect=[2, 2])
def ties_prune_the_requested_count(T):
    """Four equal weights, amount 2: which two is topk's choice (see the module docstring)."""
    m = T.nn.Linear(4, 1, bias=False)
    with T.no_grad():
        m.weight.fill_(0.5)
    T.nn.utils.prune.l1_unstructured(m, "weight", amount=2)
    n = T.nn.Linear(4, 2)
    with T.no_grad():
        n.weight.copy_(T.tensor([[1.0, 5.0, 2.0, 1.0], [3.0, 0.0, 2.0, 0.0]]))  # column 1-norms 4, 5, 4, 1
    T.nn.utils.prune.ln_structured(n, "weight", amount=0.5, n=1, dim=1)
    return [int((m.weight_mask == 0).sum()), int((n.weight_mask.sum(0) == 0).sum())]


# ---- errors --------------------------------------------------------------------------------------

AMOUNT_RANGE = "should either be a float in the range [0, 1] or a non-negative integer"


def _attempt(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is the observation
        return raised(type(e).__name__, str(e))
    return None


@scenario(expect=[raised("ValueError", f"amount=-1 {AMOUNT_RANGE}"), raised("ValueError", f"amount=1.5 {AMOUNT_RANGE}"),
                  raised("TypeError", "Invalid type for amount: a. Must be int or float."),
                  raised("ValueError", "amount=5 should be smaller than the number of parameters to prune=4"),
                  ["bias", "weight"]])
def amount_validation(T):
    prune = T.nn.utils.prune
    out = [_attempt(lambda a=a: prune.l1_unstructured(T.nn.Linear(2, 2), "weight", amount=a)) for a in (-1, 1.5, "a")]
    m = T.nn.Linear(2, 2)
    out.append(_attempt(lambda: prune.l1_unstructured(m, "weight", amount=5)))
    return out + [list(m.state_dict())]  # a failed apply puts the parameter back


@scenario(expect=[
    raised("ValueError", "Parameter 'weight' of module Linear(in_features=2, out_features=2, bias=True) has to be "
                         "pruned before pruning can be removed"),
    raised("ValueError", "Structured pruning can only be applied to multidimensional tensors. Found tensor of shape "
                         "torch.Size([2]) with 1 dims"),
    raised("IndexError", "Invalid index 3 for tensor of size torch.Size([2, 2])"),
    raised("TypeError", "global_unstructured(): parameters is not an Iterable"),
    raised("TypeError", "global_unstructured(): importance_scores must be of type dict"),
    raised("TypeError", "Can't instantiate abstract class BasePruningMethod with abstract method compute_mask"),
    raised("AttributeError", "'PruningContainer' object has no attribute '_tensor_name'"),
    raised("AttributeError", "'Identity' object has no attribute '_tensor_name'"),
])
def errors(T):
    prune = T.nn.utils.prune
    lin = T.nn.Linear(2, 2)
    return [
        _attempt(lambda: prune.remove(lin, "weight")),
        _attempt(lambda: prune.ln_structured(lin, "bias", amount=1, n=1, dim=0)),
        _attempt(lambda: prune.random_structured(lin, "weight", amount=1, dim=3)),
        _attempt(lambda: prune.global_unstructured(3, prune.L1Unstructured, amount=1)),
        _attempt(lambda: prune.global_unstructured([(lin, "weight")], prune.L1Unstructured, importance_scores=[],
                                                   amount=1)),
        _attempt(lambda: prune.BasePruningMethod()),
        _attempt(lambda: prune.PruningContainer(prune.Identity(), prune.Identity())),
        _attempt(lambda: prune.Identity().apply_mask(lin)),
    ]


@scenario(expect=raised("TypeError", "Only \"unstructured\" PRUNING_TYPE supported for the `pruning_method`. Found "
                                     "method <class '{lib}.nn.utils.prune.RandomStructured'> of type structured"))
def global_pruning_needs_an_unstructured_method(T):
    T.nn.utils.prune.global_unstructured([(T.nn.Linear(2, 2), "weight")], T.nn.utils.prune.RandomStructured,
                                         amount=1)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    fn, expect = SCENARIOS[name]
    if name == "global_pruning_needs_an_unstructured_method":  # the class path names the library
        got = observe(fn, facade)
        assert got == normalise(raised(expect[1], expect[2].format(lib="facade")))
        if torch is not None:
            assert observe(fn, torch) == normalise(raised(expect[1], expect[2].format(lib="torch")))
        return
    check((fn, expect), observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - {"global_pruning_needs_an_unstructured_method"}))
def test_scenario_maths(name):
    """The written-out expectations hold for facade too (they are what PyTorch 2.13 gives)."""
    check_written(SCENARIOS[name], observe, normalise, facade)


def test_l1_picks_the_same_entries_as_torch_on_random_weights():
    if torch is None:
        pytest.skip("compared with PyTorch under the oracle session")
    rng = np.random.default_rng(1)
    for shape, amount in [((7, 9), 0.4), ((3, 4, 5), 17), ((50,), 0.9), ((6, 6), 0)]:
        w = rng.standard_normal(shape).astype(np.float32)
        masks = []
        for lib in (torch, facade):
            m = lib.nn.utils.prune.L1Unstructured(amount)
            masks.append(m.compute_mask(lib.tensor(w), lib.ones(*shape)).numpy())
        np.testing.assert_array_equal(masks[0], masks[1])
        for dim in range(-1, len(shape) - 1) if len(shape) > 1 else []:
            ms = [lib.nn.utils.prune.LnStructured(0.5, n=2, dim=dim).compute_mask(lib.tensor(w), lib.ones(*shape))
                  .numpy() for lib in (torch, facade)]
            np.testing.assert_array_equal(ms[0], ms[1])
