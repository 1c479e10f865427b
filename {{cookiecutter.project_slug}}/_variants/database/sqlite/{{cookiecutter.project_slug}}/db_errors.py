"""Which SQLite errors a retry can fix, and which reject a value of the request."""

import sqlite3

from sqlalchemy import exc

# Result codes of faults that a retry can fix: another connection holds a lock (busy,
# locked), or the file cannot be opened now.
UNAVAILABLE_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN}


def is_unavailable(error: Exception) -> bool:
    """True for failures that mean "the database cannot serve us right now": a retry can succeed.

    Other errors, such as a missing table or column (a migration not applied), are 500s.
    """
    if isinstance(error, exc.TimeoutError):
        return True  # the pool had no connection to lend in time
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        code = getattr(error.orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in UNAVAILABLE_CODES  # the primary result code
    return isinstance(error, ConnectionError | TimeoutError)


def is_bad_value(error: Exception) -> bool:
    """True when the database rejected a value of the request."""
    return isinstance(error, exc.DataError)
