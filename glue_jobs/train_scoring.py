"""Glue Python-shell job (Python 3.9): train the opportunity-scoring models. Arguments arrive as --name value."""
import sys

from saleslens.scoring.job import main

if __name__ == "__main__":
    main(sys.argv[1:])
