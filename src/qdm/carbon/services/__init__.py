"""Services of the carbon management platform."""
