"""The request dialogs."""
