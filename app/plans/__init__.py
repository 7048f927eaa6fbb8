"""Annual plans (targets) and indicator values measured outside the service."""
