"""Which SQLite errors a retry can fix, which mean a connection cannot write, and which reject a value."""

import sqlite3

from sqlalchemy import exc

# Result codes of faults that a retry can fix: another connection holds a lock (busy,
# locked), or the file cannot be opened now.
UNAVAILABLE_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN}
# Result codes of a connection that cannot write: it opened the file read-only (SQLite does
# when it may not write the file, and the connection stays read-only after the file is
# writable again), or the file was moved, or writing to it failed.
CANNOT_WRITE_CODES = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR}


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


def cannot_write(error: BaseException) -> bool:
    """True when SQLite (the driver's exception ``error``) says that this connection cannot write."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in CANNOT_WRITE_CODES


def is_bad_value(error: Exception) -> bool:
    """True when the database rejected a value of the request."""
    return isinstance(error, exc.DataError)
