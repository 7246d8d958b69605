"""Supplier quality (platform 7.3):
Approved suppliers, IQC sampling, SCAR, scorecards and the supplier portal.
"""
