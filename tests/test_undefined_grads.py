"""Undefined gradients: a Function's backward that returns None for an input leaves it without a gradient.

PyTorch passes the None on through built-in backward formulas, so a leaf reached only that way keeps
`.grad` None, autograd.grad calls it unused, and retain_grad() keeps None; a leaf also reached by a defined
gradient gets that one, and a Function further down is still called (with zeros) and defines its inputs'
gradients. Each scenario runs on facade and, when torch is installed, on torch (observations equal); the
written-out expectations were taken from PyTorch 2.13's output. Several scenarios repeat a backward so that
its structure runs compiled and replayed, not only op by op.
"""
from scenarios import observer

import facade

try:
    import torch
except ImportError:
    torch = None

observe, normalise = observer(digits=9, first_line=True, with_requires_grad=True)


def check(scenario, expect):
    got = observe(scenario, facade)
    if torch is not None:
        assert got == observe(scenario, torch)
    assert got == normalise(expect), got


def T(values, rg=False):
    return ("tensor", [float(v) for v in values], "float64", rg)


def _only_first(lib):
    class OnlyFirst(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, None

    return OnlyFirst


def _pair(lib):
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
    return x, y


def test_leaf_and_intermediate_keep_none_when_repeated():
    def scenario(lib):
        f = _only_first(lib)
        x, y = _pair(lib)
        w = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        seen = []
        for _ in range(4):  # op by op, then compiled, then replayed
            x.grad = y.grad = w.grad = None
            f.apply(x, y).sum().backward()
            f.apply(x, w * 3).sum().backward()  # the None passes through MulBackward to w
            seen.append([x.grad, y.grad, w.grad])
        return seen

    check(scenario, [[T([2.0, 2.0]), None, None]] * 4)


def test_another_path_still_gives_its_gradient():
    def scenario(lib):
        f = _only_first(lib)
        x, y = _pair(lib)
        out = []
        for _ in range(3):
            x.grad = y.grad = None
            (f.apply(x, y).sum() + (y * 2).sum()).backward()
            out.append([x.grad, y.grad])
        return out

    check(scenario, [[T([1.0, 1.0]), T([2.0, 2.0])]] * 3)


def test_existing_grad_is_left_as_it_is():
    def scenario(lib):
        f = _only_first(lib)
        x, y = _pair(lib)
        y.grad = lib.ones(2, dtype=lib.float64)
        f.apply(x, y).sum().backward()
        return [x.grad, y.grad]

    check(scenario, [T([1.0, 1.0]), T([1.0, 1.0])])


def test_autograd_grad_allow_unused_and_materialize():
    def scenario(lib):
        f = _only_first(lib)
        x, y = _pair(lib)
        try:
            lib.autograd.grad(f.apply(x, y).sum(), [x, y])
            err = "no error"
        except RuntimeError as e:
            err = str(e)
        return [list(lib.autograd.grad(f.apply(x, y).sum(), [x, y], allow_unused=True)),
                list(lib.autograd.grad(f.apply(x, y).sum(), [x, y], materialize_grads=True)), err]

    unused = ("The differentiated Tensor at index 1 appears to not have been used in the graph. Set "
              "allow_unused=True if this is the desired behavior.")
    check(scenario, [[T([1.0, 1.0]), None], [T([1.0, 1.0]), T([0.0, 0.0])], unused])


def test_non_leaf_input_and_retain_grad_are_none():
    def scenario(lib):
        f = _only_first(lib)
        x, _ = _pair(lib)
        w = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        m = w * 3
        m.retain_grad()
        f.apply(x, m).sum().backward()
        m2 = w * 3
        (g,) = lib.autograd.grad(f.apply(x, m2).sum(), [m2], allow_unused=True)
        return [x.grad, w.grad, m.grad, g]

    check(scenario, [T([1.0, 1.0]), None, None, None])


def test_a_function_below_is_called_with_zeros():
    def scenario(lib):
        f = _only_first(lib)
        seen = []

        class Ident(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a.clone()

            @staticmethod
            def backward(ctx, g):
                seen.append(g)
                return g

        x, _ = _pair(lib)
        w = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        f.apply(x, Ident.apply(w)).sum().backward()
        return [x.grad, w.grad, seen]

    check(scenario, [T([1.0, 1.0]), T([0.0, 0.0]), [T([0.0, 0.0])]])


def test_create_graph_keeps_none():
    def scenario(lib):
        f = _only_first(lib)
        x, y = _pair(lib)
        gx, gy = lib.autograd.grad(f.apply(x, y).sum(), [x, y], create_graph=True, allow_unused=True)
        return [gx, gy]

    check(scenario, [T([1.0, 1.0]), None])
