"""torch.nn.functional: the stateless form of every nn layer."""

from .activation import *  # noqa: F401,F403
from .activation import __all__ as _act
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _norm

__all__ = _act + _layers + _loss + _norm
