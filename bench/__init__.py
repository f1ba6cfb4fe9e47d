"""Benchmarks of the façade against local upstreams (bench/README.md); run `make bench`."""
