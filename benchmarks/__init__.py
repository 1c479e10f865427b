"""Benchmark harness for the rendered variants: ``python -m benchmarks.run --help``."""

# The benchmark-only route that reports a server's connection pool (serve_app, naive_app, raw_app).
POOL_PATH = "/__bench/pool"
