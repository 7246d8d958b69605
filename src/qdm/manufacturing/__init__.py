"""Manufacturing quality (platform 7.5):
Inspection plans and records, SPC, holds and MRB, yield, flash test and EL.
"""
