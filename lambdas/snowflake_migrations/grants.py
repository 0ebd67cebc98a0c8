"""GRANT and REVOKE succeed only when Snowflake says they executed.

Snowflake answers a GRANT the grantor may not make with a *successful* result whose one row
reads "Grant not executed: Insufficient privileges." (for example GRANT EXECUTE TASK ON ACCOUNT
as a role without MANAGE GRANTS: snowflakedb/terraform-provider-snowflake#670; a GRANT ROLE:
#737; Snowflake-Labs/schemachange#106), and GRANT ... ALL PRIVILEGES a warning for what it could
not grant ("only privileges held and grantable by the role executing the GRANT command are
actually granted", https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#usage-notes).
So every GRANT/REVOKE result is read, and anything but "Statement executed successfully." (with
an optional "N objects affected.") fails the script.
"""

from __future__ import annotations

import re
from typing import Any

ACCESS_STATEMENT = re.compile(r"^\s*(GRANT|REVOKE)\b", re.IGNORECASE)
EXECUTED = re.compile(r"^Statement executed successfully\.( \d+ objects? affected\.)?$")


class GrantNotExecutedError(RuntimeError):
    """Snowflake answered a GRANT or REVOKE without executing it."""


def require_executed(statement: str, cursor: Any) -> None:
    """After ``cursor.execute(statement)``: raise unless a GRANT/REVOKE says it executed."""
    if not ACCESS_STATEMENT.match(statement):
        return
    rows = cursor.fetchall()
    answers = [str(row[0]) for row in rows if row]
    if not answers or not all(EXECUTED.match(answer) for answer in answers):
        raise GrantNotExecutedError(
            f"Snowflake did not execute it: {'; '.join(answers) or 'no status returned'}"
        )
