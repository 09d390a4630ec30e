"""The web back office: server-rendered pages over the staff desk, mounted under ``/office/``.

It holds no business rules: every read and every action goes through
``handlers.staff.desk.StaffDesk``; this package logs people in, reads forms, and renders.
"""

from backoffice.web.app import PREFIX, build_office

__all__ = ["PREFIX", "build_office"]
