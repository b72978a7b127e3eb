"""``python -m segkit.cli`` runs the command line, as ``python -m segkit`` does."""

import sys

from segkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
