"""ebpfsh's benchmark suite: measuring (processes, tracers, one module per
measurement) kept apart from report building (report.py)."""
