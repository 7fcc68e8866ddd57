"""The events a facade profile records (one per record_function block) and PyTorch's summary table of them."""

_NOTE = ("facade profiler: wall-clock time of record_function blocks only (no per-operator events); "
         "JAX runs work asynchronously, so a block's time may not include the computation it issued.")


class FunctionEvent:
    """One record_function block: times in microseconds."""

    def __init__(self, name, start_us, total_us, self_us, count=1):
        self.name = self.key = name
        self.time_range_start = start_us
        self.cpu_time_total = total_us
        self.self_cpu_time_total = self_us
        self.count = count
        self.device_time_total = self.self_device_time_total = 0.0
        self.cuda_time_total = self.self_cuda_time_total = 0.0

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def device_time(self):
        return 0.0

    cuda_time = device_time

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_time(self.self_cpu_time_total)} "
                f"cpu_time={_time(self.cpu_time)} count={self.count}>")


def _time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _share(us, total):
    return "NaN" if total == 0 else f"{us * 100.0 / total:.2f}%"


class EventList(list):
    """A list of events with PyTorch's key_averages() / table() / total_average()."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        groups = {}
        for e in sorted(self, key=lambda e: e.time_range_start):  # first opened first, as PyTorch lists them
            key = "ProfilerStep*" if e.key.startswith("ProfilerStep#") else e.key
            g = groups.get(key)
            if g is None:
                groups[key] = FunctionEvent(key, e.time_range_start, e.cpu_time_total, e.self_cpu_time_total, e.count)
            else:
                g.cpu_time_total += e.cpu_time_total
                g.self_cpu_time_total += e.self_cpu_time_total
                g.count += e.count
        return EventList(groups.values())

    def total_average(self):
        total = FunctionEvent("Total", 0.0, 0.0, 0.0, 0)
        for e in self:
            total.cpu_time_total += e.cpu_time_total
            total.self_cpu_time_total += e.self_cpu_time_total
            total.count += e.count
        return total

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        events = list(self)
        if not events:
            return ""
        if sort_by is not None:
            key = sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
            events.sort(key=lambda e: getattr(e, key), reverse=True)
        name_w = max(len(e.key) for e in events) + 4
        if max_name_column_width is not None:
            name_w = min(name_w, max_name_column_width)
        heads = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        widths = [name_w] + [12] * (len(heads) - 1)
        row = "".join("{: >" + str(w) + "}  " for w in widths)
        sep = "".join("-" * w + "  " for w in widths)
        line_length = sum(w + 2 for w in widths) - 2
        fmt = {"s": lambda us: f"{us / 1e6:.3f}s", "ms": lambda us: f"{us / 1e3:.3f}ms",
               "us": lambda us: f"{us:.3f}us"}.get(time_unit, _time)
        total = sum(e.self_cpu_time_total for e in events)
        out = []
        if header is not None:
            out += ["=" * line_length, header]
        out += [sep, row.format(*heads), sep]
        for e in events[:row_limit]:
            name = e.key
            if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
                name = name[: max_name_column_width - 3] + "..."
            out.append(row.format(name, _share(e.self_cpu_time_total, total), fmt(e.self_cpu_time_total),
                                  _share(e.cpu_time_total, total), fmt(e.cpu_time_total), fmt(e.cpu_time), e.count))
        out += [sep, f"Self CPU time total: {_time(total)}", _NOTE]
        return "\n".join(out) + "\n"

    def __str__(self):
        return self.table()
