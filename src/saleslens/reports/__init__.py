"""Reports: one recipient's numbers rendered as a self-contained HTML page."""
