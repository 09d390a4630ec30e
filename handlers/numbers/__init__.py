"""Useful numbers: the national emergency numbers and each municipality's own service numbers,
shown to residents in their language and edited by staff (``main.py admin numbers …``)."""
