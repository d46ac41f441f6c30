"""Glue Python-shell job (Python 3.9): conform one landed file. Arguments arrive as --name value."""
import sys

from saleslens.ingest.conform import main

if __name__ == "__main__":
    main(sys.argv[1:])
