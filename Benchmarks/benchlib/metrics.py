"""The Prometheus text of a server's GET /metrics."""


def parse(text):
    """Prometheus text -> {"name{labels}": value}."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            values[name] = float(value)
        except ValueError:
            pass
    return values


def total(values, name):
    """The sum of a metric over all its labels (`values` from parse)."""
    return sum(v for k, v in values.items() if k == name or k.startswith(name + "{"))
