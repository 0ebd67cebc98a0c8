"""Who a connection acts as: its user, its current (primary) role and its warehouse.

Login follows Snowflake: "If a role was specified as part of the connection and that role is a
role that has already been granted to the connecting user, the specified role becomes the
current role. If no role was specified and a default role has been set for the connecting user,
that role becomes the current role. If no role was specified and a default role has not been
set ..., the system role PUBLIC is used."
(https://docs.snowflake.com/en/user-guide/security-access-control-overview#authorization-through-primary-role-and-secondary-roles)

Authentication is not emulated: a user that exists logs in without its key or password.
Secondary roles are not emulated either: the service users each hold exactly one role.
"""

from __future__ import annotations

from dataclasses import dataclass

from snowflake.connector.errors import DatabaseError

from local.warehouse.access.checker import AccessChecker
from local.warehouse.access.model import PUBLIC, USAGE, Kind, Securable

# Tasks run "by using the system user with the privileges of the task owner role"
# (https://docs.snowflake.com/en/user-guide/tasks-intro#running-tasks).
SYSTEM_USER = "SYSTEM"
# Login failures as Snowflake's login service codes them (the connector raises them as
# "Failed to connect to DB: ..." DatabaseErrors with this errno).
INCORRECT_LOGIN = (390100, "Incorrect username or password was specified.")
ROLE_NOT_GRANTED = 390189


class LoginError(DatabaseError):
    """The login request was refused (unknown user, role not granted)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(msg=message, errno=code, sqlstate="08001")
        self.code = code
        self.message = message


@dataclass
class Session:
    user: str
    role: str
    warehouse: str | None = None
    # The compute of a serverless task: no warehouse, none needed.
    serverless: bool = False
    # Inside an owner's-rights procedure body: the role is the procedure owner's.
    owner_rights: bool = False


def login(
    checker: AccessChecker, user: str, role: str | None = None, warehouse: str | None = None
) -> Session:
    """The session Snowflake would open for this user, role and warehouse, or a LoginError."""
    name = user.upper()
    record = checker.catalog.object(Securable(Kind.USER, name))
    if record is None or record.prop("disabled", False):
        raise LoginError(*INCORRECT_LOGIN)
    granted = checker.user_roles(name)
    if role:
        chosen = role.upper()
        if chosen not in granted:
            raise LoginError(
                ROLE_NOT_GRANTED,
                f"Role '{chosen}' specified in the connect string is not granted to this user. "
                "Contact your local system administrator, or attempt to login with another "
                "role, e.g. PUBLIC.",
            )
    else:
        default = record.prop("default_role")
        chosen = default if default in granted else PUBLIC
    session = Session(name, chosen)
    wanted = warehouse or record.prop("default_warehouse")
    if wanted and usable_warehouse(checker, session, wanted.upper()):
        # Snowflake leaves the warehouse unset when the role may not use it.
        session.warehouse = wanted.upper()
    return session


def usable_warehouse(checker: AccessChecker, session: Session, warehouse: str) -> bool:
    securable = Securable(Kind.WAREHOUSE, warehouse)
    if checker.catalog.object(securable) is None:
        return False
    return checker.has(checker.roles(session.role), USAGE, securable)
