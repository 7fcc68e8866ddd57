"""torch.finfo / torch.iinfo, torch.backends flags, and the process-wide settings (threads,
deterministic algorithms, float32 matmul precision): against PyTorch where it is installed, and
against numpy's limits (and the flags' documented defaults) without it."""
import importlib
import warnings

import numpy as np
import pytest

import facade

FLOATS = ("float16", "bfloat16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")


def torch_or_none():
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return type(e), str(e)
    return None


@pytest.mark.parametrize("name", FLOATS + ("complex64", "complex128"))
def test_finfo_matches(name):
    f = facade.finfo(getattr(facade, name))
    torch = torch_or_none()
    if torch is not None:
        t = torch.finfo(getattr(torch, name))
        assert repr(f) == repr(t)
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(f, attr) == getattr(t, attr), attr
    if name in ("float16", "float32", "float64"):
        n = np.finfo(name)
        assert (f.eps, f.max, f.tiny, f.bits) == (float(n.eps), float(n.max), float(n.tiny), n.bits)
    if name.startswith("complex"):
        assert f.dtype == ("float32" if name == "complex64" else "float64")


def test_finfo_defaults_to_the_default_dtype():
    assert facade.finfo() == facade.finfo(facade.float32)
    facade.set_default_dtype(facade.float64)
    try:
        assert facade.finfo().dtype == "float64"
    finally:
        facade.set_default_dtype(facade.float32)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches(name):
    i = facade.iinfo(getattr(facade, name))
    n = np.iinfo(name)
    assert (i.min, i.max, i.bits, i.dtype) == (int(n.min), int(n.max), n.bits, name)
    torch = torch_or_none()
    if torch is not None:
        assert repr(i) == repr(torch.iinfo(getattr(torch, name)))


@pytest.mark.parametrize("call", [
    lambda M: M.finfo(M.int32), lambda M: M.finfo(M.bool), lambda M: M.iinfo(M.float32),
    lambda M: M.iinfo(M.bool), lambda M: M.finfo("float32"),
])
def test_info_errors(call):
    got = _raised(lambda: call(facade))
    assert got is not None and got[0] is TypeError
    torch = torch_or_none()
    if torch is not None:
        assert got == _raised(lambda: call(torch))


def test_finfo_is_comparable_not_hashable():
    assert facade.finfo(facade.float32) == facade.finfo(facade.float32)
    assert facade.finfo(facade.float32) != facade.finfo(facade.float64)
    with pytest.raises(TypeError):
        hash(facade.finfo(facade.float32))


def test_backend_flags_keep_what_scripts_set():
    cudnn = importlib.import_module("facade.backends.cudnn")
    assert facade.backends.cudnn is cudnn
    old = cudnn.benchmark, cudnn.deterministic
    try:
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert facade.backends.cudnn.benchmark and facade.backends.cudnn.deterministic
        with cudnn.flags(enabled=False, benchmark=False):
            assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, False, False)
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, True, True)
    finally:
        cudnn.benchmark, cudnn.deterministic = old
    assert cudnn.is_available() == facade.cuda.is_available()
    if not facade.cuda.is_available():
        assert cudnn.version() is None
    m = facade.backends.cuda.matmul
    assert m.allow_tf32 is False and m.allow_fp16_reduced_precision_reduction is True
    with pytest.raises(AttributeError):
        m.allow_tf33 = True  # a misspelt flag is an error, not a silent no-op
    assert facade.backends.mps.is_available() is False and facade.backends.mps.is_built() is False
    assert facade.backends.opt_einsum.is_available()


def test_sdp_switches_and_deprecated_context():
    cuda = facade.backends.cuda
    assert cuda.flash_sdp_enabled() and cuda.math_sdp_enabled()
    cuda.enable_flash_sdp(False)
    try:
        assert not cuda.flash_sdp_enabled()
    finally:
        cuda.enable_flash_sdp(True)
    with pytest.warns(FutureWarning, match="sdp_kernel"):
        with cuda.sdp_kernel(enable_math=False):
            assert not cuda.math_sdp_enabled()
    assert cuda.math_sdp_enabled()


def test_threads_and_determinism_settings():
    n = facade.get_num_threads()
    assert n >= 1
    try:
        facade.set_num_threads(3)
        assert facade.get_num_threads() == 3
    finally:
        facade.set_num_threads(n)
    facade.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert facade.are_deterministic_algorithms_enabled()
        assert facade.is_deterministic_algorithms_warn_only_enabled()
        assert facade.get_deterministic_debug_mode() == 1
        facade.set_deterministic_debug_mode("error")
        assert facade.get_deterministic_debug_mode() == 2 and not facade.is_deterministic_algorithms_warn_only_enabled()
    finally:
        facade.use_deterministic_algorithms(False)
    assert facade.get_deterministic_debug_mode() == 0
    assert facade.get_float32_matmul_precision() == "highest"
    facade.set_float32_matmul_precision("high")
    try:
        assert facade.get_float32_matmul_precision() == "high"
    finally:
        facade.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("call", [
    lambda M: M.set_num_threads(0), lambda M: M.set_num_threads("2"), lambda M: M.set_num_threads(1.5),
    lambda M: M.use_deterministic_algorithms("yes"), lambda M: M.set_deterministic_debug_mode("loud"),
    lambda M: M.set_deterministic_debug_mode(5),
])
def test_setting_errors(call):
    got = _raised(lambda: call(facade))
    assert got is not None
    torch = torch_or_none()
    if torch is not None:
        assert got == _raised(lambda: call(torch))


def test_bad_matmul_precision_warns_and_keeps_the_setting():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        facade.set_float32_matmul_precision("fast")
    assert facade.get_float32_matmul_precision() == "highest"
    assert len(w) == 1 and "is not one of 'highest', 'high', or 'medium'" in str(w[0].message)


def _products(M):
    F = M.nn.functional
    a, b, v = M.ones(3, 4), M.ones(4, 5), M.ones(4)
    return {
        "matmul": a @ b, "mm": M.mm(a, b), "bmm": M.bmm(a[None], b[None]), "mv": M.mv(a, v), "dot": M.dot(v, v),
        "inner": M.inner(v, v), "einsum": M.einsum("ij,jk->ik", a, b), "addmm": M.addmm(M.ones(5), a, b),
        "baddbmm": M.baddbmm(M.ones(1, 3, 5), a[None], b[None]), "addmv": M.addmv(M.ones(3), a, v),
        "linear": F.linear(a, b.T), "conv2d": F.conv2d(M.ones(1, 1, 4, 4), M.ones(1, 1, 3, 3)),
        "sdpa": F.scaled_dot_product_attention(M.ones(1, 2, 4), M.ones(1, 2, 4), M.ones(1, 2, 4)),
    }


def _contractions(eqns):
    for e in eqns:
        if e.primitive.name in ("dot_general", "conv_general_dilated"):
            yield e
        for sub in e.params.values():
            inner = getattr(sub, "jaxpr", None)
            if inner is not None:
                yield from _contractions(getattr(inner, "eqns", ()) or inner.jaxpr.eqns)


def test_float32_matrix_products_run_at_full_precision():
    """PyTorch computes float32 matmuls in float32 (allow_tf32 is False, precision 'highest'); XLA's
    default on a GPU is TF32. Every contraction the products record asks for HIGHEST (read off the
    recorded nodes' jaxprs; on the CPU XLA computes float32 in full either way)."""
    import jax

    from facade._dispatch import _spec
    from facade._engine import evaluate

    for name, t in _products(facade).items():
        pending, stack, found = [], [t._node()], 0
        while stack:  # every recorded node below the result
            n = stack.pop()
            if n.op is not None and n.op.impl is not None and n.args:
                pending.append(n)
            stack.extend(n.args)
        for n in pending:
            specs = [_spec(a) for a in n.args]
            jaxpr = jax.make_jaxpr(lambda *xs, n=n: n.op.impl(*xs, *n.statics))(*specs)
            for e in _contractions(jaxpr.jaxpr.eqns):
                found += 1
                precision = e.params["precision"]
                assert precision is not None and jax.lax.Precision.HIGHEST in (
                    precision if isinstance(precision, tuple) else (precision,)), (name, n.op.name, precision)
        assert found, name
        evaluate([t._node()])
