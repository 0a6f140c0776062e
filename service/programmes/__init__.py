"""The city's programmes: events, the expert pool, evaluations, service records and more."""
