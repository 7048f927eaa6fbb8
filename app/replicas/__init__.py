"""Reads on streaming replicas (docs/scaling.md): which server answers a request, the
replicas' health and lag, and read-your-writes by the commit's WAL position."""
