"""Email domains of throwaway-address services (vendored by `make vendor-disposable-domains`)."""

from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def disposable_domains() -> frozenset[str]:
    [path] = DATA.glob("disposable-email-domains-*/domains.txt")
    return frozenset(line.strip() for line in path.read_text().splitlines() if line.strip())


def is_disposable(email: str) -> bool:
    """True when *email* is at a disposable-address service or one of its subdomains."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    domains = disposable_domains()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))
