"""Transparency: what a municipality shows the public without ever showing a resident.

``models.py`` its tables; ``keys.py`` the Open311 clients' API keys; ``admin.py`` the
``main.py admin apikey|public`` commands; ``public_requests.py`` a request as the public sees
it (number, category, status, dates, department, the quarter's centre, an anonymised
description or none); ``submit.py`` a request posted through Open311; ``feature.py`` the
feature. The web side (the Open311 API, the public page) is in ``public/``.
"""
