"""Protocol code that every room's client shares (no Home Assistant).

Plain asyncio and aiohttp, like the rooms' ``api.py`` modules that import it.
"""
