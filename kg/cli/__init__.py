"""The ``kg`` command line: a thin layer that parses, calls one function, prints.

Exit codes: 0 success; 1 a check found problems (validate) or some inputs were
skipped; 2 usage or runtime error. Errors print one line; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from kg.cli.commands import app
from kg.cli.output import err_line
from kg.errors import KGError

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    command = typer.main.get_command(app)
    try:
        result = command.main(args, prog_name="kg", standalone_mode=False)
    except KGError as err:
        if debug:
            raise
        err_line(f"kg: error: {err}")
        return 2
    except KeyboardInterrupt:
        err_line("kg: interrupted")
        return 130
    except OSError as err:  # a path the user named cannot be written or read
        if debug:
            raise
        where = f" {err.filename}" if err.filename else ""
        err_line(f"kg: error: cannot use{where}: {err.strerror or err}; check the path")
        return 2
    except typer.Exit as err:  # --help, --version and the like
        return err.exit_code
    except typer.Abort:
        err_line("kg: interrupted")
        return 130
    except typer.TyperException as err:  # usage errors, raised by typer's own copy of click
        show = getattr(err, "show", None)
        if show is not None:
            show()  # the usage line, the error and where to get help
        else:
            err_line(f"kg: error: {err.format_message()}")
        return 2
    except Exception as err:
        if debug:  # a bug, not a user mistake: say so, keep the traceback for --debug
            raise
        err_line(
            f"kg: internal error: {type(err).__name__}: {err} (run with --debug for the traceback)"
        )
        return 2
    return result if isinstance(result, int) else 0
