"""Operator commands run against a deployed platform (see `python -m tools.migrate --help`)."""
