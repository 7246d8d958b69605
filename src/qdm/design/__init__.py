"""Design quality (platform 7.7):
FMEA, control plans, APQP, reliability qualification and engineering changes.
"""
