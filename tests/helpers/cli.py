"""The `nudge` command run as a real process."""

import os
import subprocess
import sys
from pathlib import Path

NUDGE = str(Path(sys.executable).parent / "nudge")


def nudge(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"NUDGE_DATABASE_URL": database_url}
    return subprocess.run(
        [NUDGE, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
