"""User accounts, roles, API tokens and listing ownership."""

from service.accounts.roles import Role
from service.accounts.store import Accounts, AuthError, User, UsernameTakenError

__all__ = ["Accounts", "AuthError", "Role", "User", "UsernameTakenError"]
