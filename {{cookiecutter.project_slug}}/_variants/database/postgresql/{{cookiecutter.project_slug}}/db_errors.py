"""Which PostgreSQL errors a retry can fix, and which reject a value of the request (by SQLSTATE)."""

from sqlalchemy import exc

# Faults that a retry can fix: connection exception (08), transaction rollback such as
# a deadlock or serialization failure (40), insufficient resources such as too many
# connections (53), operator intervention such as shutdown or a cancelled query (57),
# database not accepting connections (55000), lock not available (55P03).
UNAVAILABLE_SQLSTATES = ("08", "40", "53", "57", "55000", "55P03")
# Data exception (22): a value the column cannot hold. asyncpg reports the values it
# cannot convert before sending them (out of int32 range, say) as 22000 too.
DATA_SQLSTATE = "22"


def sqlstate(error: exc.DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or "")


def is_unavailable(error: Exception) -> bool:
    """True for failures that mean "the database cannot serve us right now": a retry can succeed.

    Other errors, such as a missing table or column (a migration not applied), are 500s.
    """
    if isinstance(error, exc.TimeoutError):
        return True  # the pool had no connection to lend in time
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or sqlstate(error).startswith(UNAVAILABLE_SQLSTATES):
            return True
        # No SQLSTATE: the driver could not reach the server, or lost the connection.
        return not sqlstate(error) and isinstance(error, exc.OperationalError | exc.InterfaceError)
    return isinstance(error, ConnectionError | TimeoutError)


def is_bad_value(error: Exception) -> bool:
    """True when the database, or the driver before sending it, rejected a value of the request."""
    return isinstance(error, exc.DataError) or (
        isinstance(error, exc.DBAPIError) and sqlstate(error).startswith(DATA_SQLSTATE)
    )
