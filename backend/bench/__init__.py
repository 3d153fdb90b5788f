"""``make bench``: what users pay for, in latency, cold start and cost (see README.md)."""
