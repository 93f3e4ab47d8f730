"""Custom components package (needed so tests import our integration first)."""
