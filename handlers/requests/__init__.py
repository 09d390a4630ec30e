"""Requests (кайрылуу / обращение): a resident reports a problem with a photo or a location,
follows its status, answers the staff's questions, and rates the answer.

    flows/request.py      a new request: category, description (with photos, voice, a pin), confirm
    flows/draft_input.py  what the resident sends into the draft, in any order
    flows/place.py        where the problem is, when they want to say it (the same place as last time)
    words.py              ordinary words for each category, in both languages
    flows/my_requests.py  the resident's requests and their state
    flows/feedback.py     answering a clarifying question; "solved?" and the rating

The request services (numbering, routing, deadlines) are shared: handlers/services/.
Texts live in the core catalog (``messages``).
"""
