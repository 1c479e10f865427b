"""Benchmark harness for the rendered variants: ``python -m benchmarks.run --help``."""
