"""Delivery access (OIDC provider, deploy roles, state backend): a separate Pulumi program."""
