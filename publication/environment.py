"""django-environ, strict: a value that does not parse stops start-up with a message naming it.

Plain django-environ reads `DEBUG=flase` as False, lets `int("ten")` escape as a bare
ValueError and turns `DATABASE_URL=nonsense` into an empty configuration that fails on the
first query. Here each of those is an ImproperlyConfigured naming the variable and its value.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

BOOLEAN_FALSE_STRINGS = ("false", "off", "no", "n", "0")
DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "SQLite",
    "django.db.backends.postgresql": "PostgreSQL",
}
CACHE_SCHEMES = ("locmemcache", "redis", "rediss", "dummycache")


def invalid(var: str, value, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{var}={value!r} is not valid: {expected}.")


class StrictEnv(environ.Env):
    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and isinstance(value, str):
            word = value.lower().strip()
            if word not in cls.BOOLEAN_TRUE_STRINGS and word not in BOOLEAN_FALSE_STRINGS:
                raise ValueError("expected True or False")
            return word in cls.BOOLEAN_TRUE_STRINGS
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError) as error:
            expected = {int: "expected a whole number", float: "expected a number"}.get(cast, str(error))
            raise invalid(var, self.ENVIRON.get(var), expected) from error

    def db_url(self, var="DATABASE_URL", default=environ.Env.NOTSET, engine=None):
        url = self.get_value(var, default=default)
        try:
            config = self.db_url_config(url, engine=engine)
        except Exception as error:  # django-environ raises anything from KeyError to ValueError
            raise invalid(var, url, f"{error}") from error
        if config.get("ENGINE") not in DATABASE_ENGINES:
            raise invalid(var, url, "use sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/name")
        if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
            raise invalid(var, url, "name the database: postgres://user:password@host:5432/name")
        return config

    db = db_url

    def cache_url(self, var="CACHE_URL", default=environ.Env.NOTSET, backend=None):
        url = self.get_value(var, default=default)
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in CACHE_SCHEMES:
            raise invalid(var, url, "use locmemcache://name or redis://host:6379/db")
        return self.cache_url_config(url, backend=backend)

    cache = cache_url
