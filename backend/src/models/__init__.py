"""Model configuration, provider detection and the provider handlers."""
