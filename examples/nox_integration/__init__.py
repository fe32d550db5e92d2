"""A package only so that type checkers tell this noxfile from the repository's own."""
