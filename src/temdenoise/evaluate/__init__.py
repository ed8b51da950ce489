"""Evaluation: metrics with and without ground truth, line profiles, figures."""
