"""API keys and roles: who may call what, on every service."""

from portcullis.shared.auth.keys import ApiKeyRecord, KeyRing, Role, new_key, open_keyring
from portcullis.shared.auth.policy import OPEN_PATHS, AuthSettings, Grant, install_auth

__all__ = [
    "OPEN_PATHS",
    "ApiKeyRecord",
    "AuthSettings",
    "Grant",
    "KeyRing",
    "Role",
    "install_auth",
    "new_key",
    "open_keyring",
]
