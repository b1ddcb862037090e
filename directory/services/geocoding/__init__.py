"""Geocoding: the offline ZIP/city geocoder, Nominatim with its cache, and place names."""
