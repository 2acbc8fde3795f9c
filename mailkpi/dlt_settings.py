"""dlt, as mailkpi's own processes use it: for its pipelines and its settings lookups.

Where no `.dlt/secrets.toml` exists, dlt's first settings lookup imports Streamlit to ask a
running Streamlit app for its secrets: 0.3 s of a build on a quiet machine, over a second on
a busy one. A Streamlit app in this process would have imported Streamlit already (the
dashboard's does, first thing), so without it there is no app to ask and the import is
skipped; with it, dlt reads the app's secrets as before.
"""

from __future__ import annotations

import sys
from types import ModuleType


def dlt_module() -> ModuleType:
    """`dlt`, its settings lookups not importing Streamlit where no app of it runs."""
    import dlt
    from dlt.common.configuration.providers.toml import SettingsTomlProvider

    lookup = SettingsTomlProvider._read_streamlit_secrets
    if not getattr(lookup, "skips_without_streamlit", False):

        def read_streamlit_secrets(self, name, file_name):
            return lookup(self, name, file_name) if "streamlit" in sys.modules else None

        read_streamlit_secrets.skips_without_streamlit = True
        SettingsTomlProvider._read_streamlit_secrets = read_streamlit_secrets
    return dlt
