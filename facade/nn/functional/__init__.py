"""torch.nn.functional: the stateless form of every nn layer."""

from .activation import *  # noqa: F401,F403
from .activation import __all__ as _act
from .attention import *  # noqa: F401,F403
from .attention import __all__ as _attention
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv
from .ctc import *  # noqa: F401,F403
from .ctc import __all__ as _ctc
from .embedding_bag import *  # noqa: F401,F403
from .embedding_bag import __all__ as _embedding_bag
from .grid_sample import *  # noqa: F401,F403
from .grid_sample import __all__ as _grid_sample
from .interpolate import *  # noqa: F401,F403
from .interpolate import __all__ as _interpolate
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _norm
from .pixel_shuffle import *  # noqa: F401,F403
from .pixel_shuffle import __all__ as _pixel_shuffle
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pooling
from .pooling3d import *  # noqa: F401,F403
from .pooling3d import __all__ as _pooling3d
from .unpool import *  # noqa: F401,F403
from .unpool import __all__ as _unpool

__all__ = _act + _attention + _conv + _ctc + _embedding_bag + _grid_sample + _interpolate + _layers + _loss + _norm + _pixel_shuffle + _pooling + _pooling3d + _unpool
from .margin_loss import *  # noqa: F401,F403,E402
from .margin_loss import __all__ as _margin_loss  # noqa: E402
from .likelihood_loss import *  # noqa: F401,F403,E402
from .likelihood_loss import __all__ as _likelihood_loss  # noqa: E402
from .shrink import *  # noqa: F401,F403,E402
from .shrink import __all__ as _shrink  # noqa: E402
from .instance_norm import *  # noqa: F401,F403,E402
from .instance_norm import __all__ as _instance_norm  # noqa: E402
from .fold_pool import *  # noqa: F401,F403,E402
from .fold_pool import __all__ as _fold_pool  # noqa: E402

__all__ = __all__ + _margin_loss + _likelihood_loss + _shrink + _instance_norm + _fold_pool
