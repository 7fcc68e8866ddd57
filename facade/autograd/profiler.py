"""torch.autograd.profiler: the older profiler interface, on top of facade.profiler.

record_function is the same class as torch.profiler.record_function; profile records the wall time of
record_function blocks while it is entered (facade has no per-operator events; see facade.profiler).
"""
import contextlib

from ..profiler import EventList, FunctionEvent, record_function  # noqa: F401
from ..profiler import profile as _profile

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList", "FunctionEvent"]


class profile(_profile):
    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None, activity_filters=None):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack,
                         with_flops=with_flops, with_modules=with_modules, acc_events=acc_events)
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        return False

    @property
    def function_events(self):
        return self.events()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return self.events().table(sort_by=sort_by, row_limit=row_limit, max_name_column_width=max_name_column_width,
                                   header=header, time_unit=time_unit)

    def total_average(self):
        return self.events().total_average()

    @property
    def self_cpu_time_total(self):
        return self.events().self_cpu_time_total

    def __str__(self):
        return self.table()


class emit_nvtx(contextlib.nullcontext):
    """No NVTX ranges in facade: a context manager that does nothing."""

    def __init__(self, enabled=True, record_shapes=False):
        super().__init__()


class emit_itt(emit_nvtx):
    pass
