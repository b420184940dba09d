"""Consular districts the data files do not carry: which regions each mission serves.

Only China's missions in the United States for now, by the missions' external ids
(the database-of-embassies ids the demo and ``import_missions`` use). From the
consular district pages of the PRC embassy and consulates-general in the US, and
the embassy's statement of 24 July 2020 that it takes over the district of the
closed Houston consulate (AL, AR, FL, GA, LA, MS, OK, TX, PR). California is
split by county between Los Angeles and San Francisco: both list CA, and the
nearer one is offered first.
"""

from outcry.directory.models import Target

CONSULAR_DISTRICTS = {
    # Embassy, Washington, D.C.
    "wikidata:Q5369818": "DC, DE, ID, KY, MD, MT, NE, NC, ND, SC, SD, TN, UT, VA, WV, WY, "
    "AL, AR, FL, GA, LA, MS, OK, TX, PR",
    # New York
    "wikidata:Q19854364": "CT, ME, MA, NH, NJ, NY, OH, PA, RI, VT",
    # Chicago
    "wikidata:Q19854368": "CO, IL, IN, IA, KS, MI, MN, MO, WI",
    # San Francisco (northern California)
    "wikidata:Q20688008": "AK, CA, NV, OR, WA",
    # Los Angeles (southern California) and the Pacific islands
    "wikidata:Q5100423": "AZ, CA, HI, NM, GU, MP, AS",
}


def fill_consular_districts() -> int:
    """Give the missions above their district where they have none; return how many.

    Idempotent, and never overwrites a district an organiser wrote.
    """
    filled = 0
    for external_id, regions in CONSULAR_DISTRICTS.items():
        filled += Target.objects.filter(external_id=external_id, consular_district="").update(
            consular_district=regions
        )
    return filled
