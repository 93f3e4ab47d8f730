"""Heating and hot water in Home Assistant, shared by every Bosch heating service.

A service (the local gateway, the Home Comfort cloud) translates its data into
the neutral model of :mod:`.model` and implements two write methods; the
entity bases in :mod:`.climate` and :mod:`.water_heater` do the rest.
"""
