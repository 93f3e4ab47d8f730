"""Home Comfort Partner API (cloud)."""
