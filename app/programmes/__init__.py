"""Programmes: a period of any length, its units and targets, and progress against them."""
