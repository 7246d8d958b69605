"""Pure quality-engineering libraries (no Django imports)."""
