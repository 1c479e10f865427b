"""Helpers for working on the template, shared by its tests and its benchmarks."""
