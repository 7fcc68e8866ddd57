"""torch.onnx: facade cannot export ONNX (it has no graph capture in PyTorch's IR).

export() raises NotImplementedError saying so; save a state_dict and export from PyTorch instead.
"""

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, **kwargs):
    raise NotImplementedError(
        "torch.onnx.export is not supported by facade: facade runs on JAX and has no ONNX exporter. Save the "
        "model's state_dict (torch.save(model.state_dict(), path)), load it into the same model under PyTorch, "
        "and export from there.")


def is_in_onnx_export():
    return False
