"""``python -m policykg.cli``: the ``policykg`` command."""

from policykg.cli import main

main()
