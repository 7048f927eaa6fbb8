"""Small OpenStreetMap XML files written by the tests themselves (no extract is downloaded).

The town lies near 10°N, where 0.001° of longitude is 109.64 m and 0.001° of latitude is
110.61 m (WGS84), so travel times can be worked out by hand.

      n12 ══ferry══ n11          a river runs north-south at 106.004
       |             |
      n5 ── n4       |           n3 → n4 is one-way (northwards)
       |     ↑       |
      n1 ── n2 ── n3 ═bridge═ n10
       ║      |     \\
   motorway  n13   footway       motorway n1 - n6 - n7; footway n3 - n7
       ║              \\
      n6 ═══════════ n7
                                 island: n40 - n41, with no bridge or ferry
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

Tags = dict[str, str]

M_PER_MILLIDEGREE_LON = 109.64
M_PER_MILLIDEGREE_LAT = 110.61

NODES: dict[int, tuple[float, float]] = {
    1: (106.000, 10.000),
    2: (106.001, 10.000),
    3: (106.002, 10.000),
    4: (106.001, 10.001),
    5: (106.000, 10.001),
    6: (106.000, 9.995),
    7: (106.002, 9.995),
    10: (106.006, 10.000),
    11: (106.006, 10.004),
    12: (106.000, 10.004),
    13: (106.001, 9.999),
    30: (106.004, 9.990),
    31: (106.004, 10.010),
    40: (106.010, 10.010),
    41: (106.011, 10.010),
}
PLACES: dict[int, tuple[float, float, Tags]] = {
    50: (106.001, 10.002, {"place": "village", "name": "Ấp Phước Hậu"}),
}
WAYS: dict[int, tuple[list[int], Tags]] = {
    100: ([1, 2, 3], {"highway": "residential", "name": "Đường Một"}),
    101: ([2, 4], {"highway": "residential", "oneway": "yes", "name": "Đường Một Chiều"}),
    102: ([4, 5], {"highway": "residential"}),
    103: ([5, 1], {"highway": "residential"}),
    104: ([5, 12], {"highway": "residential"}),
    105: ([2, 13], {"highway": "residential"}),
    110: ([1, 6, 7], {"highway": "motorway", "ref": "CT01", "name": "Cao tốc"}),
    120: ([3, 7], {"highway": "footway"}),
    130: ([3, 10], {"highway": "primary", "bridge": "yes", "name": "Cầu Mỹ Thuận"}),
    140: ([10, 11], {"highway": "residential"}),
    150: ([12, 11], {"route": "ferry", "name": "Phà Đình Khao"}),
    160: ([40, 41], {"highway": "residential", "name": "Cù lao"}),
    170: ([30, 31], {"waterway": "river", "name": "Sông Cổ Chiên"}),
}


def osm_xml(
    nodes: dict[int, tuple[float, float]] | None = None,
    ways: dict[int, tuple[list[int], Tags]] | None = None,
    places: dict[int, tuple[float, float, Tags]] | None = None,
) -> str:
    """An OSM XML document (the town above by default)."""
    nodes = NODES if nodes is None else nodes
    ways = WAYS if ways is None else ways
    places = PLACES if places is None else places
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    # osm2pgsql wants nodes, then ways, each ordered by id.
    tagged: dict[int, tuple[float, float, Tags]] = {
        **{node_id: (lon, lat, {}) for node_id, (lon, lat) in nodes.items()},
        **places,
    }
    for node_id, (lon, lat, tags) in sorted(tagged.items()):
        lines.append(f'  <node id="{node_id}" version="1" lat="{lat}" lon="{lon}">')
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </node>")
    for way_id, (refs, tags) in sorted(ways.items()):
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path
