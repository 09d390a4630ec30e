"""Requests (кайрылуу / обращение): a resident reports a problem with a photo or a location,
follows its status, answers the staff's questions, and rates the answer.

    flows/request.py      a new request: category, description, photos, location, confirm
    flows/my_requests.py  the resident's requests and their state
    flows/feedback.py     answering a clarifying question; "solved?" and the rating

The request services (numbering, routing, deadlines) are shared: handlers/services/.
Texts live in the core catalog (``messages``).
"""
