"""The deprecated torch.cpu.amp / torch.cuda.amp namespaces, and a minimal torch.cpu."""
import types

from . import autocast_mode, grad_scaler

autocast_mode._cpu_autocast.__name__ = autocast_mode._cpu_autocast.__qualname__ = "autocast"
autocast_mode._cuda_autocast.__name__ = autocast_mode._cuda_autocast.__qualname__ = "autocast"

cpu_amp = types.ModuleType("facade.cpu.amp", "torch.cpu.amp (deprecated): use torch.amp with device 'cpu'.")
cpu_amp.autocast = autocast_mode._cpu_autocast
cpu_amp.GradScaler = grad_scaler._cpu_scaler

cuda_amp = types.ModuleType("facade.cuda.amp", "torch.cuda.amp (deprecated): use torch.amp with device 'cuda'.")
cuda_amp.autocast = autocast_mode._cuda_autocast
cuda_amp.GradScaler = grad_scaler._cuda_scaler


def _true():
    return True


def _one():
    return 1


def _current_device():
    return "cpu"


def _synchronize(device=None):
    return None


cpu = types.ModuleType("facade.cpu", "torch.cpu: the CPU device (facade's JAX CPU backend).")
cpu.amp = cpu_amp
cpu.is_available = _true
cpu.device_count = _one
cpu.current_device = _current_device
cpu.synchronize = _synchronize
