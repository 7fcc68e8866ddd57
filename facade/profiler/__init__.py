"""torch.profiler: profile / record_function / schedule, measuring what facade can measure.

facade has no operator-level profiler (ops run inside JAX/XLA), so a profile records the wall-clock
time of each `record_function` block (and of "ProfilerStep#N" when a schedule is given), and
key_averages().table() prints those in PyTorch's table layout, with a closing line saying so.
JAX dispatches work asynchronously: a block's time is the time to issue its work, unless the block
ends by reading a value (.item(), printing, .numpy()). The schedule state machine (wait / warmup /
active / repeat, on_trace_ready) follows PyTorch's.
"""
import contextlib
import enum
import json
import os
import socket
import time
import warnings

from ._events import EventList, FunctionEvent  # noqa: F401 - torch.autograd.profiler re-exports them

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities", "kineto_available"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    from .._device import _gpus

    return {ProfilerActivity.CPU, ProfilerActivity.CUDA} if _gpus() else {ProfilerActivity.CPU}


def kineto_available():
    return False


_RECORDING = []  # the profilers recording now
_OPEN = []  # the record_function blocks open now: [name, start, time spent in child blocks]


class record_function(contextlib.ContextDecorator):
    """A named block: each recording profiler gets its wall time (total, and self: less its child blocks)."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args

    def __enter__(self):
        _OPEN.append([self.name, time.perf_counter_ns(), 0])
        return self

    def __exit__(self, *exc):
        name, start, children = _OPEN.pop()
        total = time.perf_counter_ns() - start
        if _OPEN:
            _OPEN[-1][2] += total
        for prof in _RECORDING:
            prof._events.append(FunctionEvent(name, start / 1000.0, total / 1000.0, (total - children) / 1000.0))
        return False


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """PyTorch's schedule: skip_first steps, then cycles of wait / warmup / active steps (repeat times; 0: forever)."""

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def _always_record(step):
    return ProfilerAction.RECORD


_ACTIVE = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class profile:
    """torch.profiler.profile: a context manager recording record_function blocks (see the module docstring)."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = set(activities) if activities else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules, self.acc_events = with_flops, with_modules, acc_events
        self.step_num = 0
        self.current_action = self.schedule(0)
        self.step_rec_fn = None
        self._events = []
        self._recording = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _set_recording(self, on):
        if on and not self._recording:
            _RECORDING.append(self)
        elif not on and self._recording:
            _RECORDING.remove(self)
        self._recording = on

    def _transit(self, prev, cur):
        if prev == ProfilerAction.RECORD_AND_SAVE or (prev == ProfilerAction.RECORD and cur is None):
            self._set_recording(False)
            self._trace_ready()
            if cur is not None and cur != ProfilerAction.NONE and not self.acc_events:
                self._events = []
        elif prev in (ProfilerAction.NONE, None) and cur in (ProfilerAction.WARMUP,) + _ACTIVE and not self.acc_events:
            self._events = []
        self._set_recording(cur in _ACTIVE)

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def start(self):
        self._transit(None, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def stop(self):
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit(self.current_action, None)

    def step(self):
        """Signals the profiler that the next profiling step has started."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def events(self):
        return EventList(self._events)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.events().key_averages()

    def export_chrome_trace(self, path):
        trace = {"traceEvents": [{"name": e.name, "ph": "X", "ts": e.time_range_start, "dur": e.cpu_time_total,
                                  "pid": os.getpid(), "tid": 0, "cat": "user_annotation"} for e in self._events]}
        with open(path, "w") as f:
            json.dump(trace, f)
        return path

    def add_metadata(self, key, value):
        pass

    def add_metadata_json(self, key, value):
        pass


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An on_trace_ready callback writing each trace to dir_name as Chrome-trace JSON (PyTorch's file names)."""

    def handler_fn(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{time.time_ns()}.pt.trace.json"))

    return handler_fn

