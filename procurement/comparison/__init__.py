"""Comparison of offers: ranking with explanations, per-line ranking, optimal split."""
