"""Tests of the Home Comfort gateway (simulator, protocol client, HA glue)."""
