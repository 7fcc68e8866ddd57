"""torch.autocast and torch.amp.GradScaler against PyTorch on the CPU (bfloat16)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import facade  # noqa: E402
import facade.nn.functional as FF  # noqa: E402

F = torch.nn.functional
LIBS = (torch, facade)
BF16_TOL = dict(rtol=2e-2, atol=2e-2)

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 6)).astype(np.float32)
W = rng.standard_normal((5, 6)).astype(np.float32)
B = rng.standard_normal(5).astype(np.float32)
IMG = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
KER = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
BAT = rng.standard_normal((2, 4, 6)).astype(np.float32)
BAT2 = rng.standard_normal((2, 6, 3)).astype(np.float32)


def fn_of(lib):
    return F if lib is torch else FF


def run(case, requires_grad=True):
    """case(lib, F, tensors...) in both libraries on the same inputs; returns (torch, facade) results."""
    out = []
    for lib in LIBS:
        ts = [lib.tensor(a, requires_grad=requires_grad) for a in (X, W, B, IMG, KER, BAT, BAT2)]
        with lib.autocast("cpu", dtype=lib.bfloat16):
            r = case(lib, fn_of(lib), *ts)
        out.append((r, ts))
    return out


def np32(t):
    return np.asarray(t.detach().float().numpy())


LOWER = {
    "matmul": lambda lib, F, x, w, *_: x @ w.t(),
    "mm": lambda lib, F, x, w, *_: lib.mm(x, w.t()),
    "bmm": lambda lib, F, x, w, b, i, k, b1, b2: lib.bmm(b1, b2),
    "matmul_batched": lambda lib, F, x, w, b, i, k, b1, b2: lib.matmul(b1, b2),
    "addmm": lambda lib, F, x, w, b, *_: lib.addmm(b, x, w.t()),
    "baddbmm": lambda lib, F, x, w, b, i, k, b1, b2: lib.baddbmm(b1 @ b2, b1, b2),
    "addbmm": lambda lib, F, x, w, b, i, k, b1, b2: lib.addbmm(b1[0] @ b2[0], b1, b2),
    "linear": lambda lib, F, x, w, b, *_: F.linear(x, w, b),
    "linear_nobias": lambda lib, F, x, w, *_: F.linear(x, w),
    "conv2d": lambda lib, F, x, w, b, i, k, *_: F.conv2d(i, k, padding=1),
    "conv1d": lambda lib, F, x, w, b, i, k, *_: F.conv1d(i[:, :, 0], k[:, :, 0]),
    "conv_transpose2d": lambda lib, F, x, w, b, i, k, *_: F.conv_transpose2d(i, k.transpose(0, 1)),
    "prelu": lambda lib, F, x, w, b, *_: F.prelu(x, b[:1]),
    "sdpa": lambda lib, F, x, w, b, i, k, b1, b2: F.scaled_dot_product_attention(b1, b1, b1),
    "nn.Linear": lambda lib, F, x, *_: _linear_module(lib)(x),
}


def _linear_module(lib):
    lin = lib.nn.Linear(6, 5)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(W))
        lin.bias.copy_(lib.tensor(B))
    return lin


@pytest.mark.parametrize("name", list(LOWER))
def test_lower_precision_ops(name):
    (t, tin), (f, fin) = run(LOWER[name])
    assert t.dtype == torch.bfloat16, "oracle"
    assert str(f.dtype) == str(t.dtype)
    np.testing.assert_allclose(np32(f), np32(t), **BF16_TOL)
    assert type(f.grad_fn).__name__ == type(t.grad_fn).__name__
    # the gradient comes back to each float32 input in float32, through the recorded casts
    t.float().sum().backward()
    f.float().sum().backward()
    for a, b in zip(tin, fin):
        if a.grad is None:
            assert b.grad is None
            continue
        assert str(b.grad.dtype) == str(a.grad.dtype) == "torch.float32"
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=3e-2, atol=5e-2)


FP32 = {
    "mse_loss": lambda lib, F, x, w, *_: F.mse_loss(x.bfloat16(), x.bfloat16() * 2),
    "l1_loss": lambda lib, F, x, w, *_: F.l1_loss(x.bfloat16(), lib.zeros(4, 6)),
    "smooth_l1_loss": lambda lib, F, x, *_: F.smooth_l1_loss(x.bfloat16(), x.bfloat16() * 0),
    "huber_loss": lambda lib, F, x, *_: F.huber_loss(x.bfloat16(), x.bfloat16() * 0),
    "cross_entropy": lambda lib, F, x, *_: F.cross_entropy(x.bfloat16(), lib.tensor([0, 1, 2, 5])),
    "nll_loss": lambda lib, F, x, *_: F.nll_loss(x.bfloat16(), lib.tensor([0, 1, 2, 5])),
    "kl_div": lambda lib, F, x, *_: F.kl_div(x.bfloat16(), x.bfloat16().exp(), reduction="batchmean"),
    "bce_with_logits": lambda lib, F, x, *_: F.binary_cross_entropy_with_logits(x.bfloat16(), (x > 0).bfloat16()),
    "cdist": lambda lib, F, x, w, *_: lib.cdist(x.bfloat16(), w.bfloat16()),
    "trace": lambda lib, F, x, *_: lib.trace(x.bfloat16()),
    "linear_then_loss": lambda lib, F, x, w, b, *_: F.mse_loss(F.linear(x, w, b), lib.zeros(4, 5)),
}


@pytest.mark.parametrize("name", list(FP32))
def test_float32_ops(name):
    (t, tin), (f, fin) = run(FP32[name])
    assert t.dtype == torch.float32, "oracle"
    assert str(f.dtype) == "torch.float32"
    np.testing.assert_allclose(np32(f), np32(t), **BF16_TOL)
    assert type(f.grad_fn).__name__ == type(t.grad_fn).__name__
    t.sum().backward()
    f.sum().backward()
    np.testing.assert_allclose(fin[0].grad.numpy(), tin[0].grad.numpy(), rtol=3e-2, atol=3e-2)


PROMOTE = {
    "cat_mixed": lambda lib, F, x, *_: lib.cat([x.bfloat16(), x]),
    "cat_low": lambda lib, F, x, *_: lib.cat([x.bfloat16(), x.bfloat16()]),
    "cat_double": lambda lib, F, x, *_: lib.cat([x.bfloat16(), x.double()]),
    "stack_mixed": lambda lib, F, x, *_: lib.stack([x, x.bfloat16()], 1),
    "add_not_listed": lambda lib, F, x, *_: x.bfloat16() + x,
    "exp_not_listed": lambda lib, F, x, *_: lib.exp(x.bfloat16()),
    "double_matmul": lambda lib, F, x, w, *_: x.double() @ w.double().t(),
    "int_matmul": lambda lib, F, x, w, *_: x.long() @ w.long().t(),
    "mixed_half_mm": lambda lib, F, x, w, *_: lib.mm(x.half(), w.t()),
}


@pytest.mark.parametrize("name", list(PROMOTE))
def test_promote_and_unlisted_ops(name):
    (t, _), (f, _) = run(PROMOTE[name], requires_grad=False)
    assert str(f.dtype) == str(t.dtype)
    np.testing.assert_allclose(np32(f), np32(t), **BF16_TOL)


def test_casts_in_the_graph():
    (t, _), (f, _) = run(lambda lib, F, x, w, *_: x @ w.t())
    tn = [type(n).__name__ for n, _ in t.grad_fn.next_functions]
    fn = [type(n).__name__ for n, _ in f.grad_fn.next_functions]
    assert fn == tn == ["ToCopyBackward0", "ToCopyBackward0"]
    (t, _), (f, _) = run(lambda lib, F, x, w, b, i, k, *_: F.conv2d(i, k))
    tn = [None if n is None else type(n).__name__ for n, _ in t.grad_fn.next_functions]
    fn = [None if n is None else type(n).__name__ for n, _ in f.grad_fn.next_functions]
    assert fn == tn


def test_cast_cache_per_region():
    for lib in LIBS:
        x = lib.ones(2, 2, requires_grad=True)
        with lib.autocast("cpu"):
            a, b = x @ x, x @ x
            shared = a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]
        with lib.autocast("cpu", cache_enabled=False):
            a, b = x @ x, x @ x
            uncached = a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]
        assert (shared, uncached) == (True, False), lib.__name__


def test_nesting_enabled_false_and_state():
    for lib in LIBS:
        x = lib.ones(2, 2)
        seen = []
        assert not lib.is_autocast_enabled("cpu")
        with lib.autocast("cpu"):
            seen.append(((x @ x).dtype, lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")))
            with lib.autocast("cpu", enabled=False):
                seen.append(((x @ x).dtype, lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")))
            with lib.autocast("cpu", dtype=lib.float16):
                seen.append(((x @ x).dtype, lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")))
            seen.append(((x @ x).dtype, lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")))
        seen.append(((x @ x).dtype, lib.is_autocast_enabled("cpu"), lib.is_autocast_enabled()))
        assert [tuple(str(v) for v in s) for s in seen] == [
            ("torch.bfloat16", "True", "torch.bfloat16"), ("torch.float32", "False", "torch.bfloat16"),
            ("torch.float16", "True", "torch.float16"), ("torch.bfloat16", "True", "torch.bfloat16"),
            ("torch.float32", "False", "False")], lib.__name__


def test_exception_restores_state_and_decorator():
    for lib in LIBS:
        with pytest.raises(ZeroDivisionError):
            with lib.autocast("cpu"):
                1 / 0
        assert not lib.is_autocast_enabled("cpu")

        @lib.autocast("cpu")
        def f(a):
            """doc"""
            return a @ a

        assert str(f(lib.ones(2, 2)).dtype) == "torch.bfloat16"
        assert f.__name__ == "f" and f.__doc__ == "doc"
        assert str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype) == "torch.float32"
        lib.set_autocast_enabled("cpu", True)
        assert str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype) == "torch.bfloat16"
        lib.set_autocast_enabled("cpu", False)
        assert not lib.is_autocast_enabled("cpu")
        with lib.autocast("cpu") as ctx:
            assert ctx is not None and str(ctx.fast_dtype) == "torch.bfloat16"


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn()
    # PyTorch's C++ warnings end with where they were raised: "(Triggered internally at ...)"
    return r, [(x.category, str(x.message).split(" (Triggered internally at")[0]) for x in w]


@pytest.mark.parametrize("case", [
    lambda lib: lib.autocast("cuda"),
    lambda lib: lib.autocast("cpu", dtype=lib.float32),
    lambda lib: lib.cpu.amp.autocast(),
    lambda lib: lib.cuda.amp.autocast(),
    lambda lib: lib.amp.GradScaler(),
    lambda lib: lib.cuda.amp.GradScaler(),
    lambda lib: lib.get_autocast_cpu_dtype(),
    lambda lib: lib.get_autocast_gpu_dtype(),
])
def test_warnings_match(case):
    (rt, wt), (rf, wf) = [_warnings_of(lambda: case(lib)) for lib in LIBS]
    assert wf == wt
    for attr in ("_enabled",):
        if hasattr(rt, attr):
            assert getattr(rf, attr) == getattr(rt, attr)
    if hasattr(rt, "is_enabled"):
        assert rf.is_enabled() == rt.is_enabled()


def test_cuda_region_is_disabled_without_cuda():
    for lib in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autocast("cuda"):
                assert not lib.is_autocast_enabled("cuda")
                assert str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype) == "torch.float32"


@pytest.mark.parametrize("case", [
    lambda lib: lib.autocast(3),
    lambda lib: lib.autocast("foo"),
    lambda lib: lib.get_autocast_dtype("foo"),
])
def test_errors_match(case):
    errs = []
    for lib in LIBS:
        with pytest.raises(Exception) as e:
            case(lib)
        errs.append((e.type.__name__, str(e.value)))
    assert errs[0] == errs[1]


# ---- GradScaler --------------------------------------------------------------------------
def _train(lib, steps, infs, scaler_kwargs, opt="SGD"):
    p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 3.0]))
    q = lib.nn.Parameter(lib.tensor([[0.5, 0.25]]))
    optim = lib.optim.SGD([p, q], lr=0.1, momentum=0.9) if opt == "SGD" else lib.optim.Adam([p, q], lr=0.01)
    scaler = lib.amp.GradScaler("cpu", **scaler_kwargs)
    trace = []
    for i in range(steps):
        optim.zero_grad()
        with lib.autocast("cpu"):
            loss = (p * p).sum() + (q @ q.t()).sum() * p.sum()
        scaler.scale(loss).backward()
        if i in infs:
            with lib.no_grad():
                p.grad[1] = float(infs[i])
        r = scaler.step(optim)
        scaler.update()
        trace.append((r, scaler.get_scale(), scaler._get_growth_tracker()))
    return trace, p.detach().numpy().copy(), q.detach().numpy().copy(), scaler


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_grad_scaler_sequence(opt):
    kwargs = dict(init_scale=2.0**10, growth_interval=3)
    infs = {1: "inf", 2: "nan", 6: "-inf"}
    (tt, tp, tq, ts), (ft, fp, fq, fs) = [_train(lib, 10, infs, kwargs, opt) for lib in LIBS]
    assert ft == tt
    np.testing.assert_allclose(fp, tp, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fq, tq, rtol=1e-5, atol=1e-6)
    assert fs.state_dict() == ts.state_dict()


def test_grad_scaler_growth_overflow_and_factors():
    kwargs = dict(init_scale=2.0**126, growth_interval=1, growth_factor=4.0, backoff_factor=0.25)
    (tt, tp, _, ts), (ft, fp, _, fs) = [_train(lib, 4, {}, kwargs) for lib in LIBS]
    assert ft == tt  # the grown scale would overflow float32: kept, tracker reset
    np.testing.assert_allclose(fp, tp, rtol=1e-5)


def test_grad_scaler_scale_unscale_and_state_dict():
    out = []
    for lib in LIBS:
        s = lib.amp.GradScaler("cpu", init_scale=8.0)
        r = [s.get_scale(), s.state_dict(), s.is_enabled()]
        v = s.scale([lib.tensor(1.0), (lib.tensor([2.0, 3.0]), lib.tensor(1.5, dtype=lib.bfloat16))])
        r.append([v[0].item(), v[1][0].tolist(), str(v[1][1].dtype), v[1][1].item(), type(v).__name__,
                  type(v[1]).__name__])
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([p], lr=1.0)
        s.scale((p * 3).sum()).backward()
        s.unscale_(opt)
        r.append(p.grad.tolist())
        with pytest.raises(RuntimeError) as e:
            s.unscale_(opt)
        r.append(str(e.value))
        r.append(s.step(opt))
        with pytest.raises(RuntimeError) as e:
            s.step(opt)
        r.append(str(e.value))
        with pytest.raises(RuntimeError) as e:
            s.unscale_(opt)
        r.append(str(e.value))
        s.update(new_scale=3.0)
        r.append((s.get_scale(), p.tolist()))
        s.update(new_scale=lib.tensor(5.0))
        s.set_growth_factor(3.0)
        s.set_backoff_factor(0.125)
        s.set_growth_interval(7)
        r.append((s.get_scale(), s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()))
        s2 = lib.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        r.append(s2.state_dict())
        with pytest.raises(RuntimeError) as e:
            s2.load_state_dict({})
        r.append(str(e.value))
        with pytest.raises(ValueError) as e:
            s2.scale(3.0)
        r.append(str(e.value))
        with pytest.raises(RuntimeError) as e:
            s2.step(opt, closure=lambda: 1.0)
        r.append(str(e.value))
        fresh = lib.amp.GradScaler("cpu")
        for call in (lambda: fresh.update(), lambda: fresh.unscale_(opt), lambda: fresh.step(opt)):
            with pytest.raises(AssertionError) as e:
                call()
            r.append(str(e.value))
        for bad in (dict(growth_factor=1.0), dict(backoff_factor=1.0)):
            with pytest.raises(AssertionError) as e:
                lib.amp.GradScaler("cpu", **bad)
            r.append(str(e.value))
        out.append(r)
    assert out[1] == out[0]


def test_fp16_gradients_refused():
    msgs = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=lib.float16))
        opt = lib.optim.SGD([p], lr=1.0)
        s = lib.amp.GradScaler("cpu")
        s.scale(p.sum()).backward()
        with pytest.raises(ValueError) as e:
            s.step(opt)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_disabled_scaler_passes_through():
    out = []
    for lib in LIBS:
        s = lib.amp.GradScaler("cpu", enabled=False)
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([p], lr=0.5)
        loss = (p * p).sum()
        scaled = s.scale(loss)
        scaled.backward()
        r = [scaled is loss, s.scale(3.0), s.get_scale(), s.state_dict(), s.is_enabled(), s.unscale_(opt),
             s.step(opt, closure=lambda: 7.0), s.update(), p.tolist(), s.load_state_dict({})]
        out.append(r)
    assert out[1] == out[0]


def test_grad_scaler_in_jit_step():
    """unscale_ (the found-inf check) and update are tensor ops: they run inside facade.jit with no
    host read, and the scale they update is the scaler's own tensor (same sequence as eager torch)."""
    def make(lib):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([p], lr=0.1)
        s = lib.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
        s.scale(p.sum())  # creates the scale tensor outside the compiled function

        def step(x):
            opt.zero_grad()
            s.scale((p * x).sum()).backward()
            s.unscale_(opt)
            s.update()
            return p.grad

        return s, step

    (ts, tstep), (fs, fstep) = make(torch), make(facade)
    fstep = facade.jit(fstep)
    for v in ([3.0, 5.0], [3.0, float("inf")], [3.0, 5.0], [float("nan"), 1.0]):
        tg, fg = tstep(torch.tensor(v)), fstep(facade.tensor(v))
        np.testing.assert_allclose(fg.numpy(), tg.numpy())
        assert fs.get_scale() == ts.get_scale()
        assert fs._get_growth_tracker() == ts._get_growth_tracker()
