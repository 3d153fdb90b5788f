"""Blind votes and the leaderboard (see ``docs/architecture.md``, the arena)."""

PREFIX = "arena/"
"""Every arena object lives under this prefix of the bucket (votes and the tally)."""
