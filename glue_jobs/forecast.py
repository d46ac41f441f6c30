"""Glue Python-shell job (Python 3.9): the monthly forecast. Arguments arrive as --name value."""
import sys

from saleslens.forecast.job import main

if __name__ == "__main__":
    main(sys.argv[1:])
