"""Schemathesis hooks for docs/openapi.yaml.

`format: aba-routing` names what a pattern cannot say: 9 digits whose 3-7-1 weighted sum is a
multiple of 10, with a Federal Reserve prefix of 00-12, 21-32, 61-72 or 80. This strategy
draws exactly such numbers, so positive cases are valid and the server must accept them.
"""

from hypothesis import strategies as st

import schemathesis

PREFIXES = [f"{p:02d}" for p in [*range(0, 13), *range(21, 33), *range(61, 73), 80]]
WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)


def with_check_digit(first8: str) -> str:
    total = sum(int(d) * w for d, w in zip(first8, WEIGHTS))
    return first8 + str((10 - total % 10) % 10)


routing_numbers = st.builds(
    lambda prefix, rest: with_check_digit(prefix + rest),
    st.sampled_from(PREFIXES),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)

schemathesis.openapi.format("aba-routing", routing_numbers)
