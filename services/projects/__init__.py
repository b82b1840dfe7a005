"""The projects service: projects and tasks of a structure, their history, the structure's
dashboard and each member's personal view."""
