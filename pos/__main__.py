"""``python -m pos``: the same as the ``pos`` console script."""

from pos.app import main

main(prog_name="python -m pos")
