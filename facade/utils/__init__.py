"""torch.utils: data loading (`facade.utils.data`) and hook handles (`facade.utils.hooks`)."""
from . import data, hooks  # noqa: F401
from . import checkpoint  # noqa: F401
