"""The pages people use: the job map (`/`), the department dashboard and the API docs."""
