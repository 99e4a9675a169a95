"""The root of citybase's expected failures: a bad contract, an unreadable delivery, a busy
warehouse, a missing key. Each message names what is wrong and what to do next, so the command
line prints it as it is, without a traceback."""


class CitybaseError(Exception):
    """An expected failure whose message tells the user what to do next."""


def field_problems(errors: list[dict]) -> str:
    """Pydantic's validation errors as one line, each naming its field (a YAML file's path)."""
    return "; ".join(
        f"field '{'.'.join(str(p) for p in err['loc']) or '(file)'}': {err['msg']}"
        for err in errors
    )
