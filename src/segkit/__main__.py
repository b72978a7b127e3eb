"""``python -m segkit`` runs the command line."""

import sys

from segkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
