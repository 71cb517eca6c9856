"""`python -m nasdiag`: the command line."""

import sys

from nasdiag.cli import main

sys.exit(main())
