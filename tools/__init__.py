"""Development tools: benchmarks, training and evaluation. Not part of the wheel."""
