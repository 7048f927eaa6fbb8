"""Labour statistics: placement totals, indicators against the plan, labour demand."""
