"""`model` for sqlfluff's jinja templater: the node being linted is a model."""

resource_type = "model"
