"""`python -m tmlogic.cli`: the same as the `tmlogic` command."""

from . import main

main()
