"""`model` for sqlfluff's jinja templater: the node being linted is a model."""

resource_type = "model"


def get(key, default=None):
    """A linted model's node holds no unit-test settings: in_scope reads its config instead."""
    return default
