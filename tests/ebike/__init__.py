"""Tests of the eBike service."""
