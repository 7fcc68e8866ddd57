"""Two of PyTorch's rules about Python numbers and bool tensors: a number written into a tensor
(fill_, full, masked_fill, x[i] = v, where) that the dtype cannot hold raises instead of wrapping
or saturating, and bool tensors refuse -, //, % and ** — against PyTorch when it is installed, and
against its messages, written out, without."""
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None

OVERFLOW = "RuntimeError: value cannot be converted to type {} without overflow"
BOOL_SUB = ("RuntimeError: Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead.")

CASES = {
    "fill_int8": ("T.zeros(2, dtype=T.int8).fill_(300)", OVERFLOW.format("int8_t")),
    "fill_int8_max": ("T.zeros(2, dtype=T.int8).fill_(127)", "tensor([127, 127], dtype=torch.int8)"),
    "fill_int8_fraction_above_max": ("T.zeros(2, dtype=T.int8).fill_(127.9)", OVERFLOW.format("int8_t")),
    "fill_uint8_negative_wraps": ("T.zeros(2, dtype=T.uint8).fill_(-1)", "tensor([255, 255], dtype=torch.uint8)"),
    "fill_uint8_too_negative": ("T.zeros(2, dtype=T.uint8).fill_(-256)", OVERFLOW.format("uint8_t")),
    "fill_int32": ("T.zeros(2, dtype=T.int32).fill_(2 ** 31)", OVERFLOW.format("int")),
    "fill_int64": ("T.zeros(2, dtype=T.int64).fill_(2 ** 63)", OVERFLOW.format("int64_t")),
    "fill_half": ("T.zeros(2, dtype=T.float16).fill_(1e6)", OVERFLOW.format("c10::Half")),
    "fill_half_inf": ("T.zeros(2, dtype=T.float16).fill_(float('inf'))", "tensor([inf, inf], dtype=torch.float16)"),
    "fill_bfloat16": ("T.zeros(2, dtype=T.bfloat16).fill_(1e39)", OVERFLOW.format("c10::BFloat16")),
    "fill_complex_into_real": ("T.zeros(2).fill_(1j)", OVERFLOW.format("float")),
    "full_default_float": ("T.full((2,), 1e39)", OVERFLOW.format("float")),
    "full_int8": ("T.full((2,), 300, dtype=T.int8)", OVERFLOW.format("int8_t")),
    "full_complex": ("T.full((2,), 1j).dtype", "torch.complex64"),
    "masked_fill_half": ("T.zeros(2, dtype=T.float16).masked_fill(T.tensor([True, False]), -1e9)",
                         OVERFLOW.format("c10::Half")),
    "masked_fill_minus_inf": ("T.zeros(2).masked_fill(T.tensor([True, False]), float('-inf'))", "tensor([-inf, 0.])"),
    "setitem_int8": ("T.zeros(2, dtype=T.int8).__setitem__(0, 1000)", OVERFLOW.format("int8_t")),
    "where_int8": ("T.where(T.tensor([True, False]), T.zeros(2, dtype=T.int8), 1000)", OVERFLOW.format("int8_t")),
    "arithmetic_wraps": ("T.zeros(2, dtype=T.int8) + 1000", "tensor([-24, -24], dtype=torch.int8)"),
    "one_minus_mask": ("1 - T.tensor([True, False])", BOOL_SUB),
    "mask_minus_one": ("T.tensor([True, False]) - 1", BOOL_SUB),
    "int_minus_true": ("T.tensor([1, 2]) - True", BOOL_SUB),
    "rsub_mask": ("T.rsub(T.tensor([True, False]), 1)", BOOL_SUB),
    "mask_minus_mask": ("T.tensor([True]) - T.tensor([False])", "RuntimeError: Subtraction, the `-` operator, with two "
                        "bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."),
    "mask_floor_divide": ("T.tensor([True]) // T.tensor([True])",
                          "NotImplementedError: \"div_floor_cpu\" not implemented for 'Bool'"),
    "mask_remainder": ("T.tensor([True]) % T.tensor([True])", "NotImplementedError: \"remainder_cpu\" not implemented for 'Bool'"),
    "mask_pow": ("T.tensor([True]) ** T.tensor([True])", "NotImplementedError: \"pow\" not implemented for 'Bool'"),
    "mask_floor_divide_by_int": ("T.tensor([True, False]) // 2", "tensor([0, 0])"),
}


def observe(expr, T):
    try:
        return str(eval(expr, {"T": T}))
    except (RuntimeError, NotImplementedError) as e:
        return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_scalar_rule(name):
    expr, expected = CASES[name]
    got = observe(expr, facade)
    assert got == expected
    if torch is not None:
        assert got == observe(expr, torch)
