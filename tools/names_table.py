"""Rewrite the table of PyTensor names in docs/guide.md from `scanc.compat.table()`
(run after adding or removing a PyTensor name):

    .venv/bin/python tools/names_table.py
"""

import re
from pathlib import Path

from scanc import compat

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide.md"
MARKERS = re.compile(
    r"(<!-- names table: begin -->\n).*(<!-- names table: end -->)", re.S
)


def main() -> None:
    text = GUIDE.read_text()
    if not MARKERS.search(text):
        raise SystemExit("docs/guide.md has no names table markers")
    GUIDE.write_text(
        MARKERS.sub(lambda m: m.group(1) + compat.table() + m.group(2), text)
    )


if __name__ == "__main__":
    main()
