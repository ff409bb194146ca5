"""The benchmark harness behind ``benchmarks/run.py``; never imported by skdense or its tests."""
