"""Legal consultations: askers' questions to the LSG Union's lawyers, and the answer base.

    questions.py     asking: submit a question (deadline, card), an asker's own questions, "it helped"
    lawyers.py       who is a lawyer (of which municipalities); what the municipality's staff may see
    actions.py       what lawyers do to a question: take, answer, ask the asker, hand over
    publishing.py    an answer joins the base: anonymised draft, the lawyer's approval, published
                     (the anonymiser is shared: handlers/services/anonymise.py)
    desk.py          LegalDesk: one unit of work per lawyer's action (the staff desk's machinery)
    cards.py         a question's card in the lawyers' chat, kept up to date in place
    search.py        the answer index: bm25s candidates, one entry per answer in both languages, the
                     asker's language first; published answers only
    matching.py      does an entry answer the question: coverage, the floor, the lawyers' marks (trust)
    terms.py         the lawyers' Kyrgyz/Russian equivalents and synonyms: matching texts by them, the
                     list as CSV (terms.csv is the seed migration 0010 loaded into ``legal_terms``)
    term_base.py     that list in the database, as the lawyers edit it in the back office
    tokens.py        words and their Russian and Kyrgyz stems; spelling.py: typos read as known words
    marks.py         a lawyer's "this did not answer it" on an answer the asker was shown
    report.py        the lawyers' figures: by topic, municipality and month; answered from the base
    transfer.py      import/export of the answer base (CSV)
    demo_base.py     loads the demo base (demo_answers/, 61 answers in ky and ru), marked as demo content
    flows/           the askers' dialogs: ask, my questions, the answer base

Texts live in the ``legal`` catalog (locales/legal.cfg).
"""
