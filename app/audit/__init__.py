"""The audit trail of changes to placements, plans and indicator values."""
