"""``python -m kg.serve DIR [--host H] [--port P] [--timeout S] [--max-results N]``.

Worker processes never run this file: multiprocessing skips a package's ``__main__``
when it prepares a child.
"""

from kg.serve.app import main

main()
