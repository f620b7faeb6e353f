"""Schemathesis hooks for scripts/fuzz.sh: a signed-in user for the protected operations,
and now and then that user's real password where an operation asks for it; an operator
(made by the server at start-up from SUPERUSER_*) for the operator's area.

Ending the session is an operation under test like any other: signing out everywhere,
changing the password and deleting the account. The fuzzer cannot guess a password, so
every eighth call of the two operations that take one gets the real one here, and their
success answers are checked too. The bearer token is therefore not fixed: Schemathesis
asks `NotesUser.get` again whenever a protected operation answers 401, and `get` signs
in again, or registers the next user when this one can no longer sign in (account
deleted, or sign-in throttled by the fuzzer's wrong guesses).
"""

import base64
import json
import os
import urllib.error
import urllib.request

import schemathesis

BASE_URL = os.environ["NOTES_BASE_URL"].rstrip("/")
# None of the schema's example passwords, so an example cannot end the session by chance.
FIRST_PASSWORD = "fuzzing with a fresh password"
OPERATOR = os.environ["NOTES_OPERATOR"]
OPERATOR_PASSWORD = os.environ["NOTES_OPERATOR_PASSWORD"]
ADMIN_PATHS = r"^/api/admin/"
SETTINGS = ("PUT", "/api/admin/settings/")
CHANGE_PASSWORD = ("POST", "/api/user/password/")
DELETE_ACCOUNT = ("DELETE", "/api/user/")
REAL_PASSWORD_EVERY = 8


class Account:
    """The fuzzer's current user, as far as the hooks know."""

    def __init__(self):
        self.generation = 0
        self.password = FIRST_PASSWORD
        self.password_calls = 0

    @property
    def username(self):
        return f"fuzz-{self.generation}"

    def next_user(self):
        self.generation += 1
        self.password = FIRST_PASSWORD


ACCOUNT = Account()


def post(path, body):
    request = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def sign_in():
    return post("/api/token/", {"username": ACCOUNT.username, "password": ACCOUNT.password})


@schemathesis.auth().skip_for(path_regex=ADMIN_PATHS)
class NotesUser:
    def get(self, case, context):
        status, tokens = sign_in()
        if status != 200:
            ACCOUNT.next_user()
            credentials = {"username": ACCOUNT.username, "password": ACCOUNT.password}
            status, _ = post("/api/user/register/", credentials)
            if status != 201:
                raise RuntimeError(f"registering {ACCOUNT.username} answered {status}")
            status, tokens = sign_in()
            if status != 200:
                raise RuntimeError(f"signing in as {ACCOUNT.username} answered {status}")
        return tokens["access"]

    def set(self, case, access, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {access}"


def claims(access):
    payload = access.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class OperatorAccount:
    id = None


@schemathesis.auth().apply_to(path_regex=ADMIN_PATHS)
class Operator:
    """The operator the server made at start-up. The hooks below keep the fuzzer from
    locking it out: its own account is not changed, and registration is opened again."""

    def get(self, case, context):
        status, tokens = post("/api/token/", {"username": OPERATOR, "password": OPERATOR_PASSWORD})
        if status != 200:
            raise RuntimeError(f"signing in as the operator {OPERATOR} answered {status}")
        OperatorAccount.id = claims(tokens["access"])["user_id"]
        return tokens["access"]

    def set(self, case, access, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {access}"


def operation(context):
    return (context.operation.method.upper(), context.operation.path)


@schemathesis.hook
def before_call(context, case, kwargs):
    method, path = operation(context)
    params = case.path_parameters or {}
    if (
        path.startswith("/api/admin/users/{id}/")
        and method != "GET"
        and str(params.get("id")) == str(OperatorAccount.id)
    ):
        # The operator's own account, deactivated, demoted or deleted, would end the
        # area's coverage (the guard rails themselves are the HTTP tests'): someone else's.
        params["id"] = 999_999_999
    if operation(context) not in (CHANGE_PASSWORD, DELETE_ACCOUNT) or not isinstance(case.body, dict):
        return
    ACCOUNT.password_calls += 1
    if ACCOUNT.password_calls % REAL_PASSWORD_EVERY:
        return
    if operation(context) == CHANGE_PASSWORD:
        case.body["old_password"] = ACCOUNT.password
        case.body["new_password"] = f"{FIRST_PASSWORD} {ACCOUNT.password_calls}"
    else:
        case.body["password"] = ACCOUNT.password


@schemathesis.hook
def after_call(context, case, response):
    if operation(context) == CHANGE_PASSWORD and response.status_code == 200:
        ACCOUNT.password = case.body["new_password"]
    # Registration closed (or by invitation) would keep the hooks from registering the
    # next user: open again at once.
    if operation(context) == SETTINGS and response.status_code == 200:
        request = urllib.request.Request(
            BASE_URL + "/api/admin/settings/",
            data=json.dumps({"registration": "open"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": case.headers["Authorization"],
            },
            method="PUT",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass
