"""Running `import_articles` the way the tests of importing do."""

from io import StringIO

from django.core.management import CommandError, call_command


def run_import(*args):
    """Run the command; return (output, error or None)."""
    out = StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None
