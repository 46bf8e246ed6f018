"""Rolodex: a self-hosted CRM server that speaks the Insightly Web API v3.1."""

__version__ = "0.1.0"
