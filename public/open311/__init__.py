"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): ``app.py`` the routes, ``records.py``
what each resource holds, ``formats.py`` JSON and XML as the specification writes them."""
