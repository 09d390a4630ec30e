"""A kvartalkom head submits an appeal for a neighbour without a smartphone (issue 15).

- ``service``: who may, the neighbour's record, the submission through the request service;
- ``flow``: the bot dialog (``/for_neighbour``, a menu entry only quarter heads see);
- ``feature``: how the engine sees it.
"""
