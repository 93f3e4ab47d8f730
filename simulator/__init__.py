"""Simulators of the five Bosch services, for tests and the demo.

Each service runs as a real aiohttp server on 127.0.0.1 (port 0 in tests).
Nothing here knows about Home Assistant.
"""
