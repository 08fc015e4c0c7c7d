"""Root pytest configuration: doctests run over the package, except the entry point."""

collect_ignore = ["flownb/__main__.py", "tasks.py", "benchmarks", "binder", "notebooks"]
