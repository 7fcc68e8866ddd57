"""Grad-mode and anomaly-mode context managers used as decorators, on generators, without
parentheses and as plain function calls — run on facade and, when torch is installed, on PyTorch,
comparing what a user observes (mode flags, requires_grad, warnings, error messages). Without
torch, each scenario's observations are checked against its `expect`."""
import warnings

import pytest

import facade

try:
    import torch
except ImportError:  # the plain test session: expected observations only
    torch = None

SCENARIOS = {}


def scenario(expect):
    def deco(fn):
        SCENARIOS[fn.__name__] = (fn, expect)
        return fn

    return deco


def _reset(T):
    T.set_grad_enabled(True)
    if hasattr(T, "set_anomaly_enabled"):
        T.set_anomaly_enabled(False, True)


def observe(fn, T):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(T)
    except Exception as e:  # noqa: BLE001 - the error itself is the observation
        out = ("raised", type(e).__name__, str(e).split("\n")[0])
    finally:
        _reset(T)
    return normalise(out), [(w.category.__name__, str(w.message)) for w in caught]


def normalise(x):
    if isinstance(x, (list, tuple)):
        return [normalise(v) for v in x]
    return x


def _rg(T):
    return T.ones(2, requires_grad=True)


# ---- bug 1: set_grad_enabled as a decorator, a context manager and a function ----------------

@scenario(expect=[True, [False, False], True, [False, False], True, [False, [True, True], False]])
def set_grad_enabled_decorator_keeps_the_outer_mode(T):
    @T.set_grad_enabled(False)
    def f(x):
        return [T.is_grad_enabled(), (x * 2).requires_grad]

    obs = [T.is_grad_enabled()]  # right after the def: the decorator restored the mode
    x = _rg(T)
    obs += [f(x), T.is_grad_enabled(), f(x), T.is_grad_enabled()]

    @T.set_grad_enabled(True)
    def g(x):
        return [T.is_grad_enabled(), (x * 2).requires_grad]

    with T.no_grad():
        obs.append([T.is_grad_enabled(), g(x), T.is_grad_enabled()])
    return obs


@scenario(expect=[False, False, True, True, None, False, True, False, False, True])
def set_grad_enabled_function_and_context(T):
    obs = []
    T.set_grad_enabled(False)  # a plain call keeps the mode
    x = _rg(T)
    obs += [T.is_grad_enabled(), (x * 2).requires_grad]
    T.set_grad_enabled(True)
    obs += [T.is_grad_enabled(), (x * 2).requires_grad]
    with T.set_grad_enabled(False) as v:
        obs += [v, T.is_grad_enabled()]
    obs.append(T.is_grad_enabled())
    ctx = T.set_grad_enabled(False)  # constructed: off already
    obs.append(T.is_grad_enabled())
    T.set_grad_enabled(True)
    with ctx:  # entering sets the mode again, leaving restores the mode at construction
        obs.append(T.is_grad_enabled())
    obs.append(T.is_grad_enabled())
    return obs


@scenario(expect=["torch.autograd.grad_mode.set_grad_enabled(mode=False)", True, False])
def set_grad_enabled_repr_and_mode(T):
    ctx = T.set_grad_enabled(False)
    out = [repr(ctx), str(ctx) == repr(ctx), ctx.mode]
    T.set_grad_enabled(True)
    return out


@scenario(expect=[["raised", "TypeError", "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not int"],
                  ["raised", "TypeError", "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not NoneType"],
                  ["raised", "TypeError", "set_grad_enabled.__init__() missing 1 required positional argument: 'mode'"],
                  True])
def set_grad_enabled_rejects_non_bool(T):
    out = []
    for args in ((1,), (None,), ()):
        try:
            T.set_grad_enabled(*args)
            out.append("no error")
        except TypeError as e:
            out.append(("raised", type(e).__name__, str(e)))
    out.append(T.is_grad_enabled())
    return out


# ---- bug 2: decorated generator functions -------------------------------------------------------

def _drive(T, gen_fn, x):
    out = []
    for y, inside in gen_fn(x):
        out.append([y.requires_grad, inside, T.is_grad_enabled()])
    return out


@scenario(expect=[[False, False, True], [False, False, True], True])
def no_grad_generator(T):
    @T.no_grad()
    def gen(x):
        for i in range(2):
            yield x * (i + 1), T.is_grad_enabled()

    return _drive(T, gen, _rg(T)) + [T.is_grad_enabled()]


@scenario(expect=[[[True, True, False], [True, True, False]], False])
def enable_grad_generator_under_no_grad(T):
    @T.enable_grad()
    def gen(x):
        for i in range(2):
            yield x * (i + 1), T.is_grad_enabled()

    with T.no_grad():
        return [_drive(T, gen, _rg(T)), T.is_grad_enabled()]


@scenario(expect=[[False, False, True], [False, False, True], True])
def set_grad_enabled_generator(T):
    @T.set_grad_enabled(False)
    def gen(x):
        for i in range(2):
            yield x * (i + 1), T.is_grad_enabled()

    return _drive(T, gen, _rg(T)) + [T.is_grad_enabled()]


@scenario(expect=[[False, False, True], [False, False, True], True])
def inference_mode_generator(T):
    @T.inference_mode()
    def gen(x):
        for i in range(2):
            yield x * (i + 1), T.is_grad_enabled()

    return _drive(T, gen, _rg(T)) + [T.is_grad_enabled()]


@scenario(expect=[[0, False], [10, False], ["thrown", False], ["closed", False], True, 7])
def no_grad_generator_send_throw_close_and_return(T):
    log = []

    @T.no_grad()
    def gen():
        got = yield 0, T.is_grad_enabled()
        try:
            yield got, T.is_grad_enabled()
        except KeyError:
            yield "thrown", T.is_grad_enabled()
        try:
            yield "last", T.is_grad_enabled()
        except GeneratorExit:
            log.append(["closed", T.is_grad_enabled()])
            raise

    g = gen()
    out = [next(g), g.send(10), g.throw(KeyError("k"))]
    next(g)
    g.close()
    out += log + [T.is_grad_enabled()]

    @T.no_grad()
    def returns():
        yield 1
        return 7

    def outer():
        r = yield from returns()
        return r

    o = outer()
    next(o)
    try:
        next(o)
    except StopIteration as e:
        out.append(e.value)
    return out


# ---- bug 3: decorators without parentheses, inference_mode ---------------------------------------

@scenario(expect=[[False, False], "f", True, [True, True], "g", False])
def no_grad_and_enable_grad_without_parentheses(T):
    x = _rg(T)

    @T.no_grad
    def f(x):
        return [T.is_grad_enabled(), (x * 2).requires_grad]

    @T.enable_grad
    def g(x):
        return [T.is_grad_enabled(), (x * 2).requires_grad]

    out = [f(x), f.__name__, T.is_grad_enabled()]
    with T.no_grad():
        out += [g(x), g.__name__, T.is_grad_enabled()]
    return out


@scenario(expect=[[False, True, False], "f", [True, False], [False, True], [True, False, True], [False, False]])
def inference_mode_without_parentheses_and_mode_keyword(T):
    x = _rg(T)

    @T.inference_mode
    def f(x):
        return [T.is_grad_enabled(), T.is_inference_mode_enabled(), (x * 2).requires_grad]

    out = [f(x), f.__name__, [T.is_grad_enabled(), T.is_inference_mode_enabled()]]
    with T.inference_mode():
        out.append([T.is_grad_enabled(), T.is_inference_mode_enabled()])
        with T.inference_mode(mode=False):  # leaving inference mode turns grad mode on
            out.append([T.is_grad_enabled(), T.is_inference_mode_enabled(), (x * 2).requires_grad])
    with T.no_grad():
        with T.inference_mode(False):
            pass
        out.append([T.is_grad_enabled(), T.is_inference_mode_enabled()])
    return out


@scenario(expect=[[None, None, None], [True, False]])
def enter_returns_none(T):
    vals = []
    for ctx in (T.no_grad(), T.enable_grad(), T.inference_mode()):
        with ctx as v:
            vals.append(v)
    return [vals, [T.is_grad_enabled(), T.is_inference_mode_enabled()]]


@scenario(expect=[["raised", "TypeError",
                   "_NoParamDecoratorContextManager.__new__() takes from 1 to 2 positional arguments but 3 were given"]])
def no_grad_with_two_arguments(T):
    try:
        T.no_grad(1, 2)
    except TypeError as e:
        return [("raised", type(e).__name__, str(e))]
    return ["no error"]


@scenario(expect=[[False, 3]])
def decorating_a_class_warns(T):
    class A:
        def __init__(self, v):
            self.v = v
            self.grad = T.is_grad_enabled()

    B = T.no_grad()(A)
    b = B(3)
    return [[b.grad, b.v]]


# ---- bug 4: anomaly mode -------------------------------------------------------------------------

@scenario(expect=[False, True, False, [True, True], [False, True], [True, False], [False, True]])
def detect_anomaly_context(T):
    out = [T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()]
    ctx = T.autograd.detect_anomaly()
    out.append(T.is_anomaly_enabled())  # constructing does not enable it
    with ctx:
        out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    with T.autograd.detect_anomaly(check_nan=False):
        out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    return out


@scenario(expect=[[True, False], None, [True, False], [False, True], [True, True], [True, False], [False, True],
                  ["raised", "TypeError", "'detect_anomaly' object is not callable"],
                  ["raised", "TypeError", "set_anomaly_enabled(): argument 'enabled' (position 1) must be bool, not int"],
                  ["raised", "TypeError", "set_detect_anomaly.__init__() missing 1 required positional argument: 'mode'"]])
def set_detect_anomaly_and_set_anomaly_enabled(T):
    out = []
    s = T.autograd.set_detect_anomaly(True, check_nan=False)  # on at construction
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    with s as v:
        out += [v, [T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()]]
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    T.set_anomaly_enabled(True)
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    T.set_anomaly_enabled(True, False)
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    T.set_anomaly_enabled(False)  # check_nan goes back to its default
    out.append([T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()])
    for call in (lambda: T.autograd.detect_anomaly()(lambda: 1), lambda: T.autograd.set_detect_anomaly(1),
                 lambda: T.autograd.set_detect_anomaly()):
        try:
            call()
            out.append("no error")
        except TypeError as e:
            out.append(("raised", type(e).__name__, str(e)))
    return out


_ANOMALY_WARNING = ("UserWarning", "Anomaly Detection has been enabled. This mode will increase the runtime "
                    "and should only be enabled for debugging.")
_CLASS_WARNING = ("FutureWarning", "Decorating classes is deprecated and will be disabled in future versions. You "
                  "should only decorate functions or methods. To preserve the current behavior of class decoration, "
                  "you can directly decorate the `__init__` method and nothing else.")
_WARNINGS = {
    "detect_anomaly_context": [_ANOMALY_WARNING, _ANOMALY_WARNING],
    "set_detect_anomaly_and_set_anomaly_enabled": [_ANOMALY_WARNING],
    "decorating_a_class_warns": [_CLASS_WARNING],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    fn, expect = SCENARIOS[name]
    got = observe(fn, facade)
    if torch is not None:
        assert got == observe(fn, torch)
    assert got == (normalise(expect), _WARNINGS.get(name, []))


def test_modes_are_restored_after_an_exception_in_a_decorated_function():
    for T in (facade, torch) if torch is not None else (facade,):
        @T.no_grad()
        def boom():
            raise ValueError("x")

        with pytest.raises(ValueError):
            boom()
        assert T.is_grad_enabled()
        with pytest.raises(ValueError), T.inference_mode():
            raise ValueError("y")
        assert T.is_grad_enabled() and not T.is_inference_mode_enabled()
