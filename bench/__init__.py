"""Benchmarks of Bosch Connect against its peers (issue 7); run ``scripts/bench``."""
