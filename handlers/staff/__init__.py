"""The staff side of the service: who may do what (access), what they see (views), what
they do (actions), how the staff chat hears of it (notify, cards), and the desk that the
web back office and the staff chat both call. Texts live in the ``staff`` catalog."""
