"""What protects the service: request classes, their rate limits and statement timeouts."""
