"""``python -m mockingbird`` runs the CLI."""

from mockingbird.cli import main

main()
