"""The benchmarks, each run as a module from the repository's root (`python -m bench.load`);
`make bench` runs them all. docs/benchmarks.md gives their figures."""
