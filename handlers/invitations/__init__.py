"""Staff invitations: an administrator adds a person with a role, the person opens the link (or sends
the code) in their messenger, and that messenger is bound to the staff record."""
