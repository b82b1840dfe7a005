"""argon2id password hashing (argon2-cffi).

Production and development use argon2-cffi's RFC 9106 "low memory" profile; the test
environment uses the smallest valid parameters so that hundreds of signups stay fast.
A hash made with other parameters is upgraded at the next successful login
(``needs_rehash``). Hashing is CPU work that would stall every green thread of a Nameko
service: pass ``offload=eventlet.tpool.execute`` to run it in a real thread.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TEST_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def _direct(function: Callable, *args: Any) -> Any:
    return function(*args)


class Argon2idPasswords:
    def __init__(self, *, light: bool = False, offload: Callable | None = None):
        self._argon = PasswordHasher(type=Type.ID, **(TEST_PARAMETERS if light else {}))
        self._run = offload or _direct

    @classmethod
    def for_settings(cls, settings: Any, offload: Callable | None = None) -> Argon2idPasswords:
        return cls(light=settings.env == "test", offload=offload)

    def hash(self, password: str) -> str:
        return self._run(self._argon.hash, password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._run(self._argon.verify, password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
