"""Transparency: what a municipality shows the public without ever showing a resident.

    models.py           its tables (migration 0011): Open311 clients and submissions, public settings,
                        quarter centres, private requests, digest subscriptions
    settings.py         what a municipality publishes (descriptions, licence, channel), quarter centres
    keys.py             Open311 clients' API keys: issued once, kept as a hash, revoked
    admin.py            ``main.py admin apikey …`` and ``main.py admin public …``
    public_requests.py  a request as the public sees it, and the lists (filters of GeoReport v2)
    submit.py           a request posted through Open311 (the messengers' service: number, route, deadline)
    private.py          a request its author asked not to publish (provided to the requests' confirmation)
    figures.py          the public page's figures; ``PublicHearings`` is provided by initiatives
    open_data.py        a month's public requests as CSV with the licence line
    subscriptions.py    who asked for the weekly digest; flow.py: their switch in the menu
    digest.py           the Monday digest (weekly.py: its scheduled job)

The web side (the Open311 API, the page, the CSV) is in ``public/``. Texts: the ``transparency``
catalog (locales/transparency.cfg).
"""
