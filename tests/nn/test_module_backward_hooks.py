"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook, the
deprecated register_backward_hook, the global ones): each scenario runs on facade and, when torch
is importable, on torch, and the observations (call order, what the hooks receive, gradients,
errors, warnings) must be equal; without torch they are checked against hand-derived values.
Gradients are compared in float64 at rtol 1e-10 (weights copied from the torch model)."""

import warnings

import numpy as np

import facade

try:
    import torch
except ImportError:  # pragma: no cover - the oracle is optional
    torch = None



def arr(t):
    return None if t is None else np.asarray(t.detach().numpy())


def shapes(ts):
    return tuple(None if t is None else tuple(t.shape) for t in ts)


def same(a, b, rtol=1e-10, atol=1e-12):
    """Observations equal: arrays close, everything else equal."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), (a, b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a, b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y, rtol, atol)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), (a, b)
        for k in a:
            same(a[k], b[k], rtol, atol)
    else:
        assert a == b, (a, b)


def check(scenario, expected=None):
    """Run scenario(lib) on facade (and torch); compare with torch, else with `expected`."""
    got = scenario(facade)
    if torch is not None:
        same(got, scenario(torch))
    elif expected is not None:
        same(got, expected)
    return got


def run(fn):
    """(error type name, message) of fn(), or ("ok", result)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the observation
        return (type(e).__name__, str(e))


# ---- Grad-CAM ---------------------------------------------------------------------------------

def _cnn(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1),
                                          nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(6, 5)

        def forward(self, x):
            return self.fc(self.pool(self.features(x)).flatten(1))

    lib.manual_seed(0)
    return Net().double()


def _weights():
    rng = np.random.default_rng(1)
    shapes_ = {"features.0.weight": (4, 3, 3, 3), "features.0.bias": (4,), "features.2.weight": (6, 4, 3, 3),
               "features.2.bias": (6,), "fc.weight": (5, 6), "fc.bias": (5,)}
    return {k: rng.standard_normal(s) * 0.5 for k, s in shapes_.items()}


def gradcam(lib):
    net = _cnn(lib)
    net.load_state_dict({k: lib.tensor(v) for k, v in _weights().items()})
    store = {}
    layer = net.features[2]

    def keep(m, i, o):
        store["act"] = o.detach()
        o.retain_grad()
        store["raw"] = o

    h1 = layer.register_forward_hook(keep)
    h2 = layer.register_full_backward_hook(lambda m, gi, go: store.__setitem__("g", (gi[0], go[0])))
    x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8)))
    out = net(x)
    out[0, int(out[0].argmax())].backward()
    h1.remove()
    h2.remove()
    weights = store["g"][1].mean(dim=(2, 3), keepdim=True)
    cam = (weights * store["act"]).sum(1).relu()
    return {"cam": arr(cam), "grad_in": arr(store["g"][0]), "grad_out": arr(store["g"][1]),
            "conv0": arr(net.features[0].weight.grad), "fc": arr(net.fc.weight.grad),
            "retained": arr(store["raw"].grad), "grad_fn": type(out.grad_fn).__name__}


def test_gradcam_hook_gradients_match_torch():
    got = check(gradcam)
    # hand-derived: the class score depends on sample 0 only, so sample 1's gradients are zero
    assert np.all(got["grad_out"][1] == 0) and np.all(got["grad_in"][1] == 0)
    # grad_output is the gradient that reaches the layer's output
    np.testing.assert_array_equal(got["grad_out"], got["retained"])
    assert got["cam"].shape == (2, 8, 8) and got["grad_in"].shape == (2, 4, 8, 8)


def test_gradcam_hook_removed_stops_firing():
    def scenario(lib):
        net = _cnn(lib)
        calls = []
        h = net.features[0].register_full_backward_hook(lambda m, gi, go: calls.append(shapes(gi + go)))
        x = lib.ones(1, 3, 8, 8, dtype=lib.float64)
        net(x).sum().backward()
        h.remove()
        net(x).sum().backward()
        return calls

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no input requires grad: PyTorch warns (checked below)
        check(scenario, [(None, (1, 4, 8, 8))])


# ---- what the hooks receive, and when -----------------------------------------------------------

def order_and_arguments(lib):
    log = []

    class M(lib.nn.Module):
        def forward(self, a, b, c):
            return a * 2 + b, c, a * 3, lib.arange(3)

    m = M()
    m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", [arr(g) for g in go])))
    m.register_full_backward_hook(
        lambda mod, gi, go: log.append(("full", [arr(g) for g in gi], [arr(g) for g in go])))
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([5.0, 6.0], dtype=lib.float64)  # a tensor input that does not require grad
    o, c, unused, ints = m(a, b, "text")
    a.register_hook(lambda g: log.append(("a", arr(g))))
    log.append(("forward", c, ints.requires_grad))
    (o * lib.tensor([1.0, 10.0], dtype=lib.float64)).sum().backward()
    log.append(("grad", arr(a.grad)))
    return log


def test_order_and_arguments():
    g = np.array([1.0, 10.0])
    check(order_and_arguments, [
        ("forward", "text", False),
        ("pre", [g, None, None, None]),
        ("full", [2 * g, np.zeros(2), None], [g, None, None, None]),
        ("a", 2 * g),
        ("grad", 2 * g),
    ])


def test_input_not_reached_gets_zeros():
    def scenario(lib):
        log = []

        class M(lib.nn.Module):
            def forward(self, a, b):
                return a * 2, b * 3

        m = M()
        m.register_full_backward_hook(lambda mod, gi, go: log.append(([arr(g) for g in gi], [arr(g) for g in go])))
        a = lib.ones(2, dtype=lib.float64, requires_grad=True)
        b = lib.ones(2, dtype=lib.float32, requires_grad=True)  # mixed dtypes go through one identity
        oa, ob = m(a, b)
        oa.sum().backward()
        return log, arr(a.grad), arr(b.grad)

    check(scenario, ([([np.full(2, 2.0), np.zeros(2, np.float32)], [np.ones(2), None])], np.full(2, 2.0),
                     np.zeros(2, np.float32)))


def replacing(lib):
    lib.manual_seed(0)
    lin = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=lib.float64))
        lin.bias.zero_()
    lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] + 100,))
    x = lib.ones(1, 3, dtype=lib.float64, requires_grad=True)
    lin(x).sum().backward()
    return arr(x.grad), arr(lin.weight.grad), arr(lin.bias.grad)


def test_hooks_replace_gradients():
    # grad_output doubled: weight grad 2 * x, input grad 2 * W^T 1 = [0, 5, 10] + 100 from the full hook
    check(replacing, (np.array([[100.0, 105.0, 110.0]]), np.full((2, 3), 2.0), np.full(2, 2.0)))


def test_prepend_global_and_handles():
    def scenario(lib):
        log = []
        mm = lib.nn.modules.module
        lin = lib.nn.Linear(2, 2)
        h1 = lin.register_full_backward_hook(lambda m, gi, go: log.append("first"))
        lin.register_full_backward_hook(lambda m, gi, go: log.append("prepended"), prepend=True)
        lin.register_full_backward_pre_hook(lambda m, go: log.append("pre"))
        lin.register_full_backward_pre_hook(lambda m, go: log.append("pre prepended"), prepend=True)
        g1 = mm.register_module_full_backward_hook(lambda m, gi, go: log.append("global " + type(m).__name__))
        g2 = mm.register_module_full_backward_pre_hook(lambda m, go: log.append("global pre"))
        try:
            x = lib.ones(1, 2, requires_grad=True)
            lin(x).sum().backward()
            log.append("|")
            h1.remove()
            g1.remove()
            g2.remove()
            lin(x).sum().backward()
        finally:
            g1.remove()
            g2.remove()
        return log

    check(scenario, ["global pre", "pre prepended", "pre", "global Linear", "prepended", "first", "|",
                     "pre prepended", "pre", "prepended"])


def test_shared_module_retain_graph_and_no_grad():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(2, 2)
        lin.register_full_backward_hook(lambda m, gi, go: log.append(shapes(gi + go)))
        x = lib.ones(3, 2, requires_grad=True)
        y = lin(lin(x))  # called twice: two calls, two firings
        y.sum().backward(retain_graph=True)
        log.append("|")
        y.sum().backward()
        log.append("|")
        with lib.no_grad():
            z = lin(x)
        log.append((z.requires_grad, z.grad_fn is None))
        return log

    check(scenario, [((3, 2), (3, 2)), ((3, 2), (3, 2)), "|", ((3, 2), (3, 2)), ((3, 2), (3, 2)), "|",
                     (False, True)])


def test_no_input_requires_grad_fires_from_outputs_with_warning():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(2, 2)
        lin.register_full_backward_hook(lambda m, gi, go: log.append((gi, shapes(go))))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(lib.ones(1, 2)).sum().backward()
        log.append([(c.category.__name__, str(c.message)[:60]) for c in w])
        lin.register_full_backward_hook(lambda m, gi, go: (lib.ones(1, 2),))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log.append(run(lambda: lin(lib.ones(1, 2)).sum().backward()))
        return log

    check(scenario, [
        ((None,), ((1, 2),)),
        [("UserWarning", "Full backward hook is firing when gradients are computed wit")],
        ((None,), ((1, 2),)),
        ("RuntimeError", "Backward hook for Modules where no input requires gradient should always return None or "
                         "None for all gradients."),
    ])


def test_non_tensor_output_warns_and_hooks_do_not_fire():
    def scenario(lib):
        log = []

        class M(lib.nn.Module):
            def forward(self, x):
                return [x * 2]

        m = M()
        m.register_full_backward_hook(lambda mod, gi, go: log.append("fired"))
        x = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = m(x)
        log.append([str(c.message) for c in w])
        out[0].sum().backward()
        return log

    check(scenario, [["For backward hooks to be called, module output should be a Tensor or a tuple of Tensors but "
                      "received <class 'list'>"]])


def test_errors():
    def scenario(lib):
        out = []
        cases = [
            ("full", lambda m, gi, go: (gi[0], gi[0])),
            ("full", lambda m, gi, go: (lib.zeros(3),)),
            ("full", lambda m, gi, go: (gi[0].double(),)),
            ("pre", lambda m, go: (go[0], go[0])),
            ("pre", lambda m, go: (lib.zeros(3),)),
        ]
        for kind, hook in cases:
            lin = lib.nn.Linear(2, 2)
            getattr(lin, "register_full_backward_hook" if kind == "full" else "register_full_backward_pre_hook")(hook)
            x = lib.ones(1, 2, requires_grad=True)
            out.append(run(lambda: lin(x).sum().backward()))
        lin = lib.nn.Linear(2, 2)
        lin.register_full_backward_hook(lambda m, gi, go: None)
        out.append(run(lambda: lin.register_backward_hook(lambda m, gi, go: None)))
        lin = lib.nn.Linear(2, 2)
        lin.register_backward_hook(lambda m, gi, go: None)
        out.append(run(lambda: lin.register_full_backward_hook(lambda m, gi, go: None)))
        return out

    mixed = "Cannot use both regular backward hooks and full backward hooks on a single Module. Please use only one of them."
    check(scenario, [
        ("RuntimeError", "Backward hook returned an invalid number of grad_input, got 2, but expected 1"),
        ("RuntimeError", "hook 'hook' has changed the size of value"),
        ("RuntimeError", "hook 'hook' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)"),
        ("RuntimeError", "Backward pre hook returned an invalid number of grad_output, got 2, but expected 1"),
        ("RuntimeError", "hook 'hook' has changed the size of value"),
        ("RuntimeError", mixed),
        ("RuntimeError", mixed),
    ])


def test_deprecated_backward_hook_on_single_op_module():
    def scenario(lib):
        log = []
        act = lib.nn.Tanh()
        act.register_backward_hook(lambda m, gi, go: log.append(([arr(g) for g in gi], [arr(g) for g in go])))
        x = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
        act(x).sum().backward()
        return log

    t = np.tanh(1.0)
    check(scenario, [([np.array([1.0, 1 - t * t])], [np.ones(2)])])


def test_nested_modules_hook_in_call_order():
    def scenario(lib):
        log = []
        lib.manual_seed(0)
        seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
        for name, m in [("seq", seq), ("0", seq[0]), ("1", seq[1]), ("2", seq[2])]:
            m.register_full_backward_pre_hook(lambda mod, go, name=name: log.append("pre " + name))
            m.register_full_backward_hook(lambda mod, gi, go, name=name: log.append("full " + name))
        seq(lib.ones(4, 2, requires_grad=True)).sum().backward()
        return log

    check(scenario, ["pre seq", "pre 2", "full 2", "pre 1", "full 1", "pre 0", "full 0", "full seq"])


# ---- state_dict: extra state and post-hooks (Module machinery tested here with the hooks) ----------

def extra_state(lib):
    nn = lib.nn

    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.count = 3

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.e = WithExtra()
            self.p = nn.Linear(1, 1)

    sd = Outer().state_dict()
    out = [list(sd), sd["e._extra_state"]]
    o2 = Outer()
    o2.e.count = 0
    out.append((repr(o2.load_state_dict(sd)), o2.e.count))
    without = {k: v for k, v in sd.items() if k != "e._extra_state"}
    out.append(run(lambda: o2.load_state_dict(without)))
    out.append(repr(o2.load_state_dict(without, strict=False)))
    unexpected = dict(sd, **{"p._extra_state": 5})
    out.append(run(lambda: o2.load_state_dict(unexpected)))
    out.append(run(lambda: nn.Module().get_extra_state()))
    return out


def test_extra_state_saved_and_loaded():
    check(extra_state, [
        ["e._extra_state", "e.lin.weight", "e.lin.bias", "p.weight", "p.bias"], {"count": 3},
        ("<All keys matched successfully>", 3),
        ("RuntimeError", 'Error(s) in loading state_dict for Outer:\n\tMissing key(s) in state_dict: "e._extra_state". '),
        "_IncompatibleKeys(missing_keys=['e._extra_state'], unexpected_keys=[])",
        ("RuntimeError",
         'Error(s) in loading state_dict for Outer:\n\tUnexpected key(s) in state_dict: "p._extra_state". '),
        ("RuntimeError", "Reached a code path in Module.get_extra_state() that should never be called. Please file an "
                         "issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml to report "
                         "this bug."),
    ])


def state_dict_hooks(lib):
    nn = lib.nn
    out = []
    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: {})
    out.append(run(lambda: list(m.state_dict())))
    m = nn.Linear(2, 2)
    m._register_state_dict_hook(lambda mod, sd, prefix, meta: {"x": 1})
    out.append(run(lambda: dict(m.state_dict())))

    def add(mod, sd, prefix, meta):
        sd[prefix + "extra"] = 1

    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(add)
    out.append(run(lambda: list(m.state_dict(prefix="a."))))
    out.append(run(lambda: m._register_state_dict_hook(add)))
    seen = []
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append((prefix, keep_vars)))
    m.state_dict(prefix="b.", keep_vars=True)
    out.append(seen)
    return out


def test_state_dict_post_hook_must_return_none():
    check(state_dict_hooks, [
        ("RuntimeError", "state_dict post-hook must return None"),
        ("ok", {"x": 1}),
        ("ok", ["a.weight", "a.bias", "a.extra"]),
        ("RuntimeError", "Cannot register the same function as the state dict post hook that was previously "
                         "registered via register_state_dict_post_hook"),
        [("b.", True)],
    ])


# ---- gradient clipping utilities (nn.utils; tested here with the other Module-training pieces) ------

def clipping(lib):
    U = lib.nn.utils
    out = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out.append(run(lambda: arr(U.clip_grad_norm_((p for p in []), 1.0))))
    out.append([str(x.message) for x in w])
    out.append(run(lambda: arr(U.clip_grad_norm_([], 1.0))))
    out.append(run(lambda: U.clip_grad_value_([], 1.0)))
    a, b = lib.tensor([3.0, 4.0], dtype=lib.float64), lib.tensor([12.0])
    out.append(run(lambda: arr(U.get_total_norm([]))))
    for kw in ({}, {"norm_type": 1}, {"norm_type": "inf"}):
        out.append(run(lambda kw=kw: arr(U.get_total_norm([a, b], **kw))))
    out.append(run(lambda: arr(U.get_total_norm(a))))
    out.append(run(lambda: U.get_total_norm([a, None])))
    out.append(run(lambda: U.get_total_norm([lib.tensor([1.0, float("nan")])], error_if_nonfinite=True)))
    q = lib.nn.Parameter(lib.tensor([3.0, 4.0], dtype=lib.float64))
    q.grad = lib.tensor([3.0, 4.0], dtype=lib.float64)
    out.append(run(lambda: U.clip_grads_with_norm_([q], 1.0, U.get_total_norm([q.grad]))))
    out.append(arr(q.grad))
    out.append(run(lambda: U.clip_grads_with_norm_(q, 1.0, 5.0)))
    out.append(run(lambda: U.clip_grads_with_norm_([lib.nn.Parameter(lib.ones(1))], 1.0, 5.0)))
    return out


def test_clip_grad_utilities():
    check(clipping, [
        ("ok", np.array(0.0, np.float32)),
        ["`parameters` is an empty generator, no gradient clipping will occur."],
        ("ok", np.array(0.0, np.float32)),  # an empty list: a zero norm, as PyTorch 2.13 (no error)
        ("RuntimeError", "Expected !nested_tensorlist[0].empty() to be true, but got false.  (Could this error "
                         "message be improved?  If so, please report an enhancement request to PyTorch.)"),
        ("ok", np.array(0.0, np.float32)),
        ("ok", np.array(13.0)), ("ok", np.array(19.0)), ("ok", np.array(12.0)), ("ok", np.array(5.0)),
        ("RuntimeError", "Tensors of the first list of nested Tensor lists are supposed to be defined but the 1-th "
                         "Tensor is not."),
        ("RuntimeError", "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be "
                         "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
                         "`error_if_nonfinite=False`"),
        ("ok", None),
        np.array([3.0, 4.0]) / (5.0 + 1e-6),
        ("TypeError", "clamp() received an invalid combination of arguments - got (float, max=float), but expected "
                      "one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n * "
                      "(Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n"),
        ("ok", None),  # no gradients: nothing to scale, the norm is not looked at
    ])
