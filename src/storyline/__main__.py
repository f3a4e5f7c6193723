"""`python -m storyline`: the `storyline` command."""
import sys

from .command import main

sys.exit(main())
