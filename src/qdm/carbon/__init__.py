"""Carbon management (platform 7.4):
Emission factors, product carbon footprint per model, lot and shipment, Scope 1-2-3.
"""
