"""dlt's settings lookups in the CLI's processes: the secrets file is read, Streamlit is not
imported where no Streamlit app runs (mailkpi/dlt_settings.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

LOOKUP = """
import json, sys
from mailkpi.dlt_settings import dlt_module
value = dlt_module().secrets.get("mailkpi.channels.managers")
print(json.dumps({"value": value, "streamlit": "streamlit" in sys.modules}))
"""


def _lookup(cwd) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILKPI__")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", LOOKUP], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_no_secrets_file_no_streamlit_import(tmp_path):
    assert _lookup(tmp_path) == {"value": None, "streamlit": False}


def test_the_secrets_file_is_still_read(tmp_path):
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[mailkpi.channels]\nmanagers = "mailto://u:p@127.0.0.1"\n'
    )
    assert _lookup(tmp_path) == {"value": "mailto://u:p@127.0.0.1", "streamlit": False}
