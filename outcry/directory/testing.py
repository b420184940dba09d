"""Plain helpers that make directory rows for tests: targets, their channels, lists.

Every app's tests make targets through these (letters' composer and delivery
tests, the admin isolation tests, the directory's own).
"""

from itertools import count

from outcry.directory.models import Channel, Target, TargetList, TargetName

_sequence = count(1)


def make_target(
    *,
    name: str | None = None,
    country: str = "US",
    represents: str = "CN",
    category: str = "embassy",
    city: str = "",
    role: str = "",
    salutation: str = "Your Excellency",
    languages: str = "en",
    is_closed: bool = False,
    channels: dict[str, str] | None = None,
    import_kind: str = "",
    names: dict[str, str] | None = None,
    **fields,
) -> Target:
    """A target; *channels* maps a kind to a value (e.g. {"email": "a@b.org"}), all active.

    *import_kind* marks the channels as kept by that import ("missions"), as an
    import leaves them; *names* maps a language to the name in it ({"ko": "주한 중국대사관"});
    other *fields* go to the Target as they are.
    """
    n = next(_sequence)
    target = Target.objects.create(
        name=name or f"Office {n}",
        country=country,
        represents=represents,
        category=category,
        city=city,
        role=role,
        salutation=salutation,
        languages=languages,
        is_closed=is_closed,
        **fields,
    )
    for kind, value in (channels or {}).items():
        make_channel(target=target, kind=kind, value=value, import_kind=import_kind)
    for language, translated in (names or {}).items():
        TargetName.objects.create(target=target, language=language, name=translated)
    return target


def make_channel(
    *,
    target: Target,
    kind: str,
    value: str,
    status: str = "active",
    char_limit: int | None = None,
    **fields,
) -> Channel:
    return Channel.objects.create(
        target=target, kind=kind, value=value, status=status, char_limit=char_limit, **fields
    )


def make_target_list(*, targets: list[Target] = (), organisation=None, **fields) -> TargetList:
    """A list of *targets*, owned by *organisation* (None: shared by the whole site)."""
    n = next(_sequence)
    fields.setdefault("slug", f"list-{n}")
    fields.setdefault("name", f"List {n}")
    target_list = TargetList.objects.create(organisation=organisation, **fields)
    target_list.targets.set(targets)
    return target_list
