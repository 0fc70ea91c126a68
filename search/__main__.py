"""`python -m search` runs the avatar-scholar CLI."""

import sys

from search.cli.main import main

sys.exit(main())
