"""`config` for sqlfluff's jinja templater, whose own has no `require` or `get`.

As in dbt, `config(...)` records a model's settings and the model's macros read them back
(incremental_scope.sql reads the keys and the scope model).
"""

import sys
import types
from typing import ClassVar


class _ModelConfig(types.ModuleType):
    settings: ClassVar[dict] = {}

    def __call__(self, **settings) -> str:
        type(self).settings = {**self.settings, **settings}
        return ""

    def get(self, name, default=None):
        return self.settings.get(name, default)

    def require(self, name):
        return self.settings[name]


sys.modules[__name__].__class__ = _ModelConfig
