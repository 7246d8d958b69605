"""Quality digital management center (platform 1):
Cross-site KPIs, cascaded goals, alerts and quality-loss accounting.
"""
