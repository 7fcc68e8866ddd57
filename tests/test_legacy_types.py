"""torch.FloatTensor, torch.LongTensor, ...: constructors of their dtype, isinstance by dtype, and
targets of Tensor.type / Module.type — compared with PyTorch when it is installed, and with the
dtypes and values PyTorch documents without it."""

import facade

try:
    import torch
except ImportError:
    torch = None


def observe(T):
    out = [repr(T.LongTensor), str(T.LongTensor.dtype), repr(T.cuda.FloatTensor)]
    for make in (lambda: T.LongTensor([1.7, 2]), lambda: T.DoubleTensor([1]), lambda: T.FloatTensor(2, 3),
                 lambda: T.FloatTensor(), lambda: T.Tensor(), lambda: T.BoolTensor([1, 0]), lambda: T.ByteTensor([3]),
                 lambda: T.IntTensor(T.Size([2])).zero_(), lambda: T.HalfTensor([0.5]),
                 lambda: T.ones(2).type(T.LongTensor), lambda: T.ones(2).type("torch.DoubleTensor"),
                 lambda: (T.nn.Linear(1, 1).type(T.DoubleTensor).weight * 0).abs(), lambda: T.FloatTensor(2.5)):
        try:
            t = make()
            out.append((str(t.dtype), tuple(t.shape), t.tolist() if t.numel() and t.dtype != T.float32 else None))
        except TypeError as e:
            out.append(("TypeError", str(e)))
    x = T.ones(2)
    out.append([isinstance(x, T.FloatTensor), isinstance(x, T.LongTensor), isinstance(x.long(), T.LongTensor),
                isinstance(x, T.cuda.FloatTensor), issubclass(T.FloatTensor, T.Tensor)])
    return out


EXPECTED = ["<class 'torch.LongTensor'>", "torch.int64", "<class 'torch.cuda.FloatTensor'>",
            ("torch.int64", (2,), [1, 2]), ("torch.float64", (1,), [1.0]), ("torch.float32", (2, 3), None),
            ("torch.float32", (0,), None), ("torch.float32", (0,), None), ("torch.bool", (2,), [True, False]), ("torch.uint8", (1,), [3]),
            ("torch.int32", (2,), [0, 0]), ("torch.float16", (1,), [0.5]), ("torch.int64", (2,), [1, 1]),
            ("torch.float64", (2,), [1.0, 1.0]), ("torch.float64", (1, 1), [[0.0]]),
            ("TypeError", "new(): data must be a sequence (got float)"),
            [True, False, True, False, False]]


def test_legacy_types():
    got = observe(facade)
    assert got == EXPECTED
    if torch is not None:
        assert got == observe(torch)
