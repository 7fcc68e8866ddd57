"""The lazy layers: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d
and LazyInstanceNorm1d/2d/3d.

Each is its non-lazy layer built with an input size of 0, whose weights / running statistics are
then swapped for placeholders. On the first call the input size is read off the input, the
placeholders get their shapes and the non-lazy layer's ``reset_parameters`` fills them, so under
the same seed a lazy layer starts with the very values of the layer built directly (neither
construction nor materializing draws random numbers). Afterwards the module is the non-lazy layer.
"""
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..parameter import is_lazy
from .lazy import LazyModuleMixin
from .linear import Linear
from .more_layers import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class _InferredSize(LazyModuleMixin):
    """A lazy layer whose one unknown size, the attribute `_size_attr`, comes from the first input;
    `_lazy_names` are its tensors that wait for it."""

    _size_attr = ""
    _lazy_names = ("weight", "bias")
    _weight_must_be_lazy = True  # a partly loaded layer fails as in PyTorch (LazyLinear: at materialize)

    def _size_of(self, input):
        """The unknown size, read off the first input (raising on inputs the layer can't take)."""
        raise NotImplementedError

    def _shape_of(self, name, size):
        """The shape the placeholder `name` gets once the unknown size is `size`."""
        raise NotImplementedError

    def reset_parameters(self):
        # the non-lazy constructor runs this before any size is known: there is nothing to fill then
        if getattr(self, self._size_attr) != 0 and not self.has_uninitialized_params():
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():
            return  # a state_dict gave every tensor its shape already
        if self._weight_must_be_lazy and self.weight is not None and not is_lazy(self.weight):
            raise AssertionError("self.weight must be an UninitializedParameter")
        size = self._size_of(input)
        setattr(self, self._size_attr, size)
        for name in self._lazy_names:
            t = getattr(self, name)
            if t is not None:  # a tensor loaded from a state_dict has no materialize: an error, as in PyTorch
                t.materialize(self._shape_of(name, size))
        self.reset_parameters()


# ---- Linear ------------------------------------------------------------------------------------------


class LazyLinear(_InferredSize, Linear):
    """Linear with in_features inferred from the last dimension of the first input."""

    cls_to_become = Linear
    _size_attr = "in_features"
    _weight_must_be_lazy = False

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, bias, device, dtype)
        self._make_lazy(self._lazy_names)

    def _size_of(self, input):
        return input.shape[-1]

    def _shape_of(self, name, size):
        return (self.out_features, size) if name == "weight" else (self.out_features,)

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():  # loaded from a state_dict: the weight decides
            loaded = self.weight.shape[1]
            if input.shape[-1] != loaded:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                                     f"in_features from self.weight: {loaded}")
            self.in_features = loaded
        super().initialize_parameters(input, *args, **kwargs)


# ---- convolutions ------------------------------------------------------------------------------------


class _LazyConvolution(_InferredSize):
    """in_channels from the first input: its dimension 1 when batched, 0 when not."""

    _size_attr = "in_channels"

    def _size_of(self, input):
        n = self._dims
        if input.dim() not in (n + 1, n + 2):
            raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {self._get_name()}, "
                               f"but got input of size: {input.shape}")
        channels = input.shape[1] if input.dim() == n + 2 else input.shape[0]
        if channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        return channels

    def _shape_of(self, name, size):
        if name == "bias":
            return (self.out_channels,)
        if self.transposed:
            return (size, self.out_channels // self.groups) + tuple(self.kernel_size)
        return (self.out_channels, size // self.groups) + tuple(self.kernel_size)


class _LazyConv(_LazyConvolution):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)
        self._make_lazy(self._lazy_names)


class _LazyConvTranspose(_LazyConvolution):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation,
                         padding_mode, device, dtype)
        self._make_lazy(self._lazy_names)


class LazyConv1d(_LazyConv, Conv1d):
    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    cls_to_become = ConvTranspose3d


# ---- normalization -----------------------------------------------------------------------------------


class _LazyNorm(_InferredSize):
    """num_features from dimension 1 of the first input (batch and instance norm alike)."""

    _size_attr = "num_features"
    _lazy_names = ("weight", "bias", "running_mean", "running_var")

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self._make_lazy(self._lazy_names)

    def _size_of(self, input):
        return input.shape[1]

    def _shape_of(self, name, size):
        return (size,)


class LazyBatchNorm1d(_LazyNorm, BatchNorm1d):
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNorm, BatchNorm2d):
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNorm, BatchNorm3d):
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNorm, InstanceNorm1d):
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNorm, InstanceNorm2d):
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNorm, InstanceNorm3d):
    cls_to_become = InstanceNorm3d
