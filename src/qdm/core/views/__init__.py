"""Kernel views: generic list/detail/edit/delete views every platform reuses, and pages."""
