"""The application: composed use cases over the store (`Site`), and what a scan means at
one terminal (`FloorSession`). No Textual, no argparse, no HTTP of its own.

Shells import the light answer types from `stageterm.services.results` at run time; the
use cases (and with them SQLAlchemy) are imported where the site is built, in a worker
off the UI thread or in the command that needs them.
"""
