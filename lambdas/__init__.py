"""Lambda handlers: one module per function, each a few lines over the saleslens library."""
