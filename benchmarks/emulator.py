"""`python -m benchmarks.emulator [options]`: the emulator's command line
(`python -m seedance_magic.emulator`), with TCP_NODELAY on every connection it serves.

The emulator's handler writes a reply's headers and its body in two send() calls. With
Nagle's algorithm on (the socket default), the body then waits for the client's delayed
ACK, about 40 ms on Linux, on every request of a kept-alive connection: a status poll
takes ~44 ms instead of ~1 ms. fal's servers add no such delay, and it would slow every
polling client (fal_client's subscribe most) and our result and download requests alike,
so the benchmarks turn it off. The same one line in the handler removes it for good.
"""

from __future__ import annotations

import sys

from seedance_magic.emulator.__main__ import main
from seedance_magic.emulator.handler import Handler

if __name__ == "__main__":
    Handler.disable_nagle_algorithm = True
    sys.exit(main(sys.argv[1:]))
