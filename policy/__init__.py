"""The Saint-Esprit guardrails as a Pulumi policy pack (see guardrails.py)."""
