"""Reproducible benchmarks that print their figures; run as `python -m bench.<name>`.

Never collected by pytest and never asserting on time: they measure and print.
"""
