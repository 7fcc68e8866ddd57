"""torch.nn.parallel: DataParallel and DistributedDataParallel.

DataParallel on a machine without GPUs is PyTorch's: a wrapper whose forward calls the module (so its
state_dict keys get the "module." prefix). With GPUs facade does not split the batch across them: the
module and the inputs go to device_ids[0] and it runs there (facade.jit.shard_batch is facade's way to
spread a batch over devices). DistributedDataParallel needs a process group, which facade never has,
so it raises PyTorch's "not initialized" ValueError.
"""
from ..._device import _gpus, device as _device
from ...distributed import _NOT_INITIALIZED
from ..modules import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


def _index(d):
    return (d.index or 0) if isinstance(d, _device) else int(d)


def _to(obj, dev):
    from ..._tensor import Tensor

    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, dev) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, dev) for k, v in obj.items()}
    return obj


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not _gpus():
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(len(_gpus())))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_index(d) for d in device_ids]
        self.output_device = _index(output_device)
        self.src_device_obj = _device("cuda", self.device_ids[0])
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers "
                                   f"on device {self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        return _to(out, _device("cuda", self.output_device))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    if not _gpus():
        raise RuntimeError("device type could not be determined")
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, **kwargs):
        raise ValueError(_NOT_INITIALIZED)
