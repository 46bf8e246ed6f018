"""`python -m rolodex.cli`, the same as the `rolodex` command."""

from rolodex.cli.main import app

app(prog_name="rolodex")
