"""Legal consultations: askers' questions to the LSG Union's lawyers, and the answer base.

    questions.py     asking: submit a question (deadline, card), an asker's own questions, "it helped"
    lawyers.py       who is a lawyer (of which municipalities); what the municipality's staff may see
    actions.py       what lawyers do to a question: take, answer, ask the asker, hand over
    publishing.py    an answer joins the base: anonymised draft, the lawyer's approval, published
    desk.py          LegalDesk: one unit of work per lawyer's action (the staff desk's machinery)
    cards.py         a question's card in the lawyers' chat, kept up to date in place
    search.py        BM25 (bm25s) over tokens.py's stems and trigrams; published answers only
    anonymise.py     names, phone numbers, personal numbers out of a text
    transfer.py      import/export of the answer base (CSV or YAML)
    demo_base.py     the demo base (ky/ru), marked as demo content
    flows/           the askers' dialogs: ask, my questions, the answer base

Texts live in the ``legal`` catalog (locales/legal.cfg).
"""
