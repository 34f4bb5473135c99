"""The read models of the composed pages: one selector per page, returning typed dataclasses."""
