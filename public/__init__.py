"""What anyone may see without a login, mounted on the service's HTTP server by ``public/mount.py``:
the Open311 GeoReport v2 API (``/open311/v2/``) and each municipality's page (``/p/<code>/``).
The figures and the rules of what is public live in ``handlers/transparency/``."""
