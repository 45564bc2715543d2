"""The benchmarks: `bench/run.py` (the stack under load), `bench/search_bench.py` (search alone)."""
