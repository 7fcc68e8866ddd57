"""torch.utils: data loading (`facade.utils.data`) and hook handles (`facade.utils.hooks`)."""
from . import data, hooks  # noqa: F401
