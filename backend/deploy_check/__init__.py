"""Deployment rehearsal: ``make deploy-check`` (see ``run.py`` and DEPLOYMENT.md)."""
