"""facade._printing.format_tensor must reproduce torch's repr(tensor) exactly.

Every expectation comes from real torch (or is copied literally from PyTorch
docs / seed outputs); nothing is derived from facade's own implementation.
"""

import contextlib
import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from facade._printing import (  # noqa: E402
    format_tensor,
    get_printoptions,
    set_printoptions,
)

MAX_EXAMPLES = int(os.environ.get("FACADE_PRINTING_EXAMPLES", "200"))

ALL_DTYPES = [
    torch.float32, torch.float64, torch.float16, torch.bfloat16,
    torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
    torch.bool, torch.complex64, torch.complex128,
]  # fmt: skip


def dtype_name(dtype):
    return str(dtype).removeprefix("torch.")


def facade_repr(t, device=None):
    """format_tensor fed the way the facade Tensor class will feed it."""
    data = t.detach()
    if data.dtype == torch.bfloat16:
        array = data.float().numpy()
    else:
        array = data.resolve_conj().resolve_neg().numpy()
    grad_fn = None if t.grad_fn is None else type(t.grad_fn).__name__
    return format_tensor(
        array,
        dtype=dtype_name(t.dtype),
        device=device,
        requires_grad=t.requires_grad,
        grad_fn=grad_fn,
        default_dtype=dtype_name(torch.get_default_dtype()),
        is_parameter=isinstance(t, torch.nn.Parameter),
    )


def check(t):
    expected = repr(t)
    assert str(t) == expected
    assert facade_repr(t) == expected


@contextlib.contextmanager
def both_printoptions(**kwargs):
    """Apply the same print options to torch and facade, then restore defaults."""
    torch.set_printoptions(**kwargs)
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        torch.set_printoptions(profile="default")
        set_printoptions(profile="default")


@contextlib.contextmanager
def default_dtype(dtype):
    saved = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


@pytest.fixture(autouse=True)
def _reset_state():
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def seeded(*shape, scale=1.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen) * scale


nan, inf = math.nan, math.inf

HAND_PICKED = {
    # 0-dim
    "scalar_float": lambda: torch.tensor(3.0),
    "scalar_frac": lambda: torch.tensor(-2.71828),
    "scalar_neg_zero": lambda: torch.tensor(-0.0),
    "scalar_nan": lambda: torch.tensor(nan),
    "scalar_tiny": lambda: torch.tensor(1e-5),
    "scalar_int": lambda: torch.tensor(-7),
    "scalar_bool": lambda: torch.tensor(True),
    "scalar_half": lambda: torch.tensor(2.5, dtype=torch.float16),
    "scalar_complex": lambda: torch.tensor(1.5 - 2j),
    # 1-D .. 4-D
    "vec": lambda: torch.tensor([1.5, -2.25, 3.125]),
    "vec_random": lambda: seeded(10),
    "mat": lambda: seeded(3, 4),
    "cube": lambda: seeded(2, 3, 4),
    "hyper": lambda: seeded(2, 2, 3, 2),
    "hyper_arange": lambda: torch.arange(24.0).reshape(2, 3, 2, 2),
    # integral floats
    "integral": lambda: torch.tensor([1.0, -2.0, 300.0]),
    "integral_mat": lambda: torch.arange(12.0).reshape(3, 4) * 11,
    "integral_big": lambda: torch.tensor([1.0, 123456.0]),
    # scientific notation triggers
    "sci_small": lambda: torch.tensor([1e-5, 1.0]),
    "sci_large": lambda: torch.tensor([1e10, 1.0]),
    "sci_ratio": lambda: torch.tensor([0.5, 1000.5]),
    "sci_huge_single": lambda: torch.tensor([3e8]),
    "sci_mat": lambda: seeded(3, 3, scale=1e-6),
    "sci_f64_extreme": lambda: torch.tensor([1e-300, 1e300], dtype=torch.float64),
    "not_sci_edge": lambda: torch.tensor([0.001, 1.0]),
    # non-finite and signed zero
    "nonfinite_mix": lambda: torch.tensor([nan, inf, -inf, -0.0, 1.5]),
    "nonfinite_only": lambda: torch.tensor([nan, inf, -inf]),
    "nonfinite_integral": lambda: torch.tensor([nan, 2.0, -inf]),
    "nonfinite_sci": lambda: torch.tensor([nan, 1e-7, 1.0]),
    "zeros": lambda: torch.zeros(2, 3),
    "neg_zeros": lambda: torch.tensor([-0.0, 0.0]),
    # summarisation above threshold
    "summ_vec": lambda: torch.arange(2000.0),
    "summ_mat": lambda: seeded(40, 50),
    "summ_cube": lambda: torch.arange(1100.0).reshape(11, 10, 10),
    "summ_narrow": lambda: torch.arange(3000.0).reshape(1000, 3),
    "summ_wide": lambda: torch.arange(3000.0).reshape(3, 1000),
    "summ_int": lambda: torch.arange(5000),
    "summ_bool": lambda: torch.arange(1500) % 3 == 0,
    "summ_hyper": lambda: seeded(7, 7, 7, 7),
    # long rows that wrap
    "wrap_floats": lambda: seeded(30),
    "wrap_ints": lambda: torch.arange(100),
    "wrap_sci": lambda: torch.arange(40.0) * 1e-6 + 1e-7,
    "wrap_mat": lambda: seeded(3, 25),
    "wrap_cube": lambda: torch.arange(60.0).reshape(2, 1, 30) / 7,
    # empty tensors
    "empty_1d": lambda: torch.zeros(0),
    "empty_2d": lambda: torch.zeros(0, 3),
    "empty_3d": lambda: torch.zeros(2, 0, 4),
    "empty_int": lambda: torch.zeros(0, dtype=torch.int64),
    "empty_int_2d": lambda: torch.zeros(3, 0, dtype=torch.int32),
    "empty_bool": lambda: torch.zeros(0, dtype=torch.bool),
    "empty_half": lambda: torch.zeros(0, 2, dtype=torch.float16),
    "empty_complex": lambda: torch.zeros(0, dtype=torch.complex64),
    # ints and bools
    "ints_neg": lambda: torch.tensor([[-100, 2], [3, 40000]]),
    "int8": lambda: torch.tensor([-128, 0, 127], dtype=torch.int8),
    "uint8": lambda: torch.tensor([[0, 255], [7, 8]], dtype=torch.uint8),
    "int16": lambda: torch.tensor([-3, 30000], dtype=torch.int16),
    "int32": lambda: torch.arange(6, dtype=torch.int32).reshape(2, 3),
    "bools": lambda: torch.tensor([[True, False], [False, True]]),
    "bools_all_true": lambda: torch.tensor([True, True]),
    # reduced precision floats
    "half": lambda: seeded(2, 3).half(),
    "half_overflow": lambda: torch.tensor([7e4, 1.0]).half(),
    "bf16": lambda: seeded(2, 3).bfloat16(),
    "bf16_tenth": lambda: torch.tensor([0.1, 1e-3, 300.0]).bfloat16(),
    "bf16_integral": lambda: torch.tensor([1.0, 2.0, 257.0]).bfloat16(),
    "f64": lambda: seeded(2, 2).double(),
    # complex
    "complex_vec": lambda: torch.tensor([1 + 2j, -3 - 4.5j, 0.25j]),
    "complex_mat": lambda: torch.complex(seeded(2, 3), seeded(2, 3, seed=1)),
    "complex_sci": lambda: torch.tensor([1e-6 + 1j, 2 - 1e5j]),
    "complex_nonfinite": lambda: torch.tensor([complex(nan, -0.0), complex(1, inf)]),
    "complex128": lambda: torch.tensor([1 + 1j, 2.5 - 0j], dtype=torch.complex128),
    "complex_wrap": lambda: torch.complex(seeded(12), seeded(12, seed=2)),
    "complex_summ": lambda: torch.complex(seeded(2000), seeded(2000, seed=3)),
    # autograd suffixes
    "leaf_requires_grad": lambda: seeded(3).requires_grad_(),
    "grad_fn_mul": lambda: seeded(2, 2).requires_grad_() * 2,
    "grad_fn_sum": lambda: seeded(4).requires_grad_().sum(),
    "grad_fn_wrapped": lambda: seeded(3, 8).requires_grad_() + 1,
    "grad_suffix_wraps": lambda: seeded(8, scale=1e3).requires_grad_(),
    "grad_and_dtype": lambda: seeded(9).double().requires_grad_() * 3,
    "parameter": lambda: torch.nn.Parameter(seeded(2, 3)),
    "parameter_vec_wraps": lambda: torch.nn.Parameter(seeded(8, scale=1e3)),
    "parameter_no_grad": lambda: torch.nn.Parameter(seeded(2), requires_grad=False),
}


@pytest.mark.parametrize("build", HAND_PICKED.values(), ids=HAND_PICKED.keys())
def test_hand_picked(build):
    check(build())


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (0,), (1100,)], ids=str)
def test_every_dtype(dtype, shape):
    values = torch.arange(math.prod(shape), dtype=torch.float64).reshape(shape)
    check((values * 1.37 - 2).to(dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_default_dtype_float64(dtype):
    with default_dtype(torch.float64):
        check(torch.tensor([1.5, -2.0, 3.25]).to(dtype))
        check(torch.zeros(0, 2, dtype=dtype))


def test_default_dtype_float64_inferred():
    with default_dtype(torch.float64):
        check(torch.tensor([1.5, 2.0]))
        check(torch.tensor([1 + 2j]))
        check(torch.tensor([0.1], dtype=torch.float32).requires_grad_())


PRINT_OPTION_CASES = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=10),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(linewidth=5),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=5),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6, sci_mode=False),
]

OPTION_TENSORS = [
    lambda: torch.tensor([1.12345, -2.5]),
    lambda: torch.tensor([1e-5, 1.0, 1e10]),
    lambda: seeded(4, 6),
    lambda: torch.arange(2000.0).reshape(40, 50) / 3,
    lambda: torch.arange(1500),
    lambda: seeded(2, 3, 3, scale=1e-5).requires_grad_(),
    lambda: torch.tensor(3.0),
    lambda: torch.tensor([1 + 2j, 3.25 - 1j]),
]


@pytest.mark.parametrize("options", PRINT_OPTION_CASES, ids=str)
@pytest.mark.parametrize("build", OPTION_TENSORS)
def test_print_options(options, build):
    with both_printoptions(**options):
        assert get_printoptions() == torch._tensor_str.get_printoptions()
        check(build())


def test_printoptions_round_trip():
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    with both_printoptions(profile="full", linewidth=100, sci_mode=True):
        assert get_printoptions() == torch._tensor_str.get_printoptions()
        options = get_printoptions()
    set_printoptions(**options)
    assert get_printoptions() == options
    set_printoptions(profile="default")
    assert get_printoptions() == dict(
        precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None
    )


def test_pytorch_docs_examples():
    # Literal outputs from the torch.set_printoptions docstring.
    with both_printoptions(precision=2):
        assert facade_repr(torch.tensor([1.12345])) == "tensor([1.12])"
    with both_printoptions(threshold=5):
        # The docstring shows "2, ...," but torch really pads the ellipsis
        # cell (" ..."), so compare with torch itself here.
        check(torch.arange(10))
    assert facade_repr(torch.tensor([1.12345])) == "tensor([1.1235])"
    assert facade_repr(torch.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_seed_output_indentation():
    t = torch.tensor([[22.0, 45.0, 74.0], [109.0, 150.0, 197.0]])
    expected = "tensor([[ 22.,  45.,  74.],\n        [109., 150., 197.]])"
    assert repr(t) == expected
    assert facade_repr(t) == expected


def test_cuda_device_suffix_literal():
    # As printed in the PyTorch CUDA semantics docs.
    data = np.array([1.0, 2.0], dtype=np.float32)
    assert format_tensor(data, dtype="float32", device="cuda:0") == (
        "tensor([1., 2.], device='cuda:0')"
    )
    assert format_tensor(data, dtype="float32", device="cpu") == "tensor([1., 2.])"


@pytest.mark.parametrize(
    "build",
    [
        lambda: torch.tensor([1.0, 2.0]),
        lambda: seeded(9, scale=1e3).double().requires_grad_(),
        lambda: seeded(3, 9).half(),
        lambda: torch.zeros(0, 3, dtype=torch.int64),
    ],
)
def test_device_suffix_matches_torch(monkeypatch, build):
    # Pretend the default device is not the CPU so torch itself prints a
    # device suffix for a CPU tensor; "xpu" has the same length as "cpu", so
    # the line-wrapping decisions are unchanged by the substitution.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    t = build()
    expected = repr(t).replace("device='cpu'", "device='xpu'")
    assert "device='xpu'" in expected
    assert facade_repr(t, device="xpu") == expected


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=dtype_name)
def test_native_reduced_precision_arrays(dtype):
    # The caller may hand over np.float16 / ml_dtypes.bfloat16 arrays as well.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    t = torch.tensor([[0.1, -1e-3, 300.0], [nan, 65504.0, 1 / 3]]).to(dtype)
    native = np.float16 if dtype == torch.float16 else ml_dtypes.bfloat16
    array = t.float().numpy().astype(native)
    assert format_tensor(array, dtype=dtype_name(dtype)) == repr(t)


# --------------------------------------------------------------------------
# Property test
# --------------------------------------------------------------------------

VALUE_STYLES = ["normal", "integral", "wide", "tiny", "huge", "special", "small_ints"]


def make_values(rng, style, numel):
    if style == "normal":
        return rng.standard_normal(numel) * 10.0 ** rng.integers(-3, 4)
    if style == "integral":
        return np.round(rng.standard_normal(numel) * 10.0 ** rng.integers(0, 6))
    if style == "wide":
        return rng.choice([-1, 1], numel) * 10.0 ** rng.uniform(-8, 12, numel)
    if style == "tiny":
        return rng.standard_normal(numel) * 1e-6
    if style == "huge":
        return rng.standard_normal(numel) * 1e9
    if style == "small_ints":
        return rng.integers(-3, 4, numel).astype(np.float64)
    pool = np.array([nan, inf, -inf, 0.0, -0.0, 1.0, -2.5, 1e-5, 3e7, 0.1])
    return rng.choice(pool, numel)


@st.composite
def tensors(draw):
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    if ndim and draw(st.integers(0, 4)) == 0:  # sometimes exceed the threshold
        trailing = tuple(draw(st.lists(st.integers(1, 12), max_size=3)))
        shape = (draw(st.integers(1000, 1300)) // math.prod(trailing) + 1,) + trailing
    dtype = draw(st.sampled_from(ALL_DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    numel = math.prod(shape)
    real = make_values(rng, draw(st.sampled_from(VALUE_STYLES)), numel)
    if dtype.is_complex:
        values = np.empty(numel, dtype=np.complex128)  # avoids 1j * inf -> nan
        values.real = real
        values.imag = make_values(rng, draw(st.sampled_from(VALUE_STYLES)), numel)
        return torch.from_numpy(values).reshape(shape).to(dtype)
    if not dtype.is_floating_point:
        real = np.nan_to_num(real, posinf=100, neginf=-100).clip(-1e6, 1e6)
    return torch.from_numpy(real).reshape(shape).to(dtype)


print_options = st.fixed_dictionaries(
    {},
    optional={
        "precision": st.integers(0, 8),
        "threshold": st.sampled_from([1000, 10, 50]),
        "edgeitems": st.integers(0, 4),
        "linewidth": st.integers(10, 160),
        "profile": st.sampled_from(["default", "short", "full"]),
        "sci_mode": st.booleans(),
    },
)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(t=tensors(), options=print_options, autograd=st.sampled_from(["none", "leaf", "op"]),
       f64_default=st.booleans())  # fmt: skip
def test_matches_torch_repr(t, options, autograd, f64_default):
    if t.dtype.is_floating_point or t.dtype.is_complex:
        if autograd == "leaf":
            t.requires_grad_()
        elif autograd == "op":
            t = t.requires_grad_() * 1
    with both_printoptions(**options), default_dtype(
        torch.float64 if f64_default else torch.float32
    ):
        check(t)
