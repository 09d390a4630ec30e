"""The resident's own side: first contact (language, consent, municipality, village, quarter),
switching the language, and the personal data we keep (/mydata: see it, erase it).

    onboarding.py  the first steps; nothing personal is stored before consent
    language.py    🌐 Language
    my_data.py     what we keep about the person, and erasing it

Texts live in the core catalog (``messages``).
"""
