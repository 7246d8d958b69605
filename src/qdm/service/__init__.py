"""Customer-service quality (platform 7.6):
Customers and projects, complaints, RMA, warranty and field reliability.
"""
