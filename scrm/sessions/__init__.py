"""Sign-in sessions (登录会话) kept on the server: one row per sign-in, which the browser's cookie
names by a random id. Core, beside :mod:`scrm.auth`: the sign-in pages open and check them, and
the directory ends a member's sessions when they leave or lose a role."""
