"""QDM - quality digital management for a vertically integrated PV manufacturer."""
